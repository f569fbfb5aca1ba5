package io.berth.ui;

import io.berth.model.AuthRecords.Member;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.RetentionRule;
import io.berth.registry.Retention;
import java.util.List;

/**
 * What a namespace's page shows, and which of its forms the visitor may use (the same rights the management API
 * checks: owners and the admin change members, visibility and rules; only the admin lifts an immutable rule or sets
 * a quota).
 *
 * @param isPublic null while access control is off (every namespace is open then)
 * @param members null when the visitor may not see them (no member) or access control is off
 * @param draft the retention rule form's values, kept after a preview or a refused save
 * @param preview what the drafted rule would remove now (null: no preview asked)
 * @param dryRun what a run of the stored rules would remove now (null: none asked)
 * @param run what a run of the dry run's list removed and skipped (null: none ran)
 */
public record NamespaceView(String name, Boolean isPublic, List<Member> members, List<RepositorySummary> repositories,
                            boolean moreRepositories, List<String> immutableRules, List<RetentionRule> retentionRules,
                            long usedBytes, Long quotaBytes, boolean manage, boolean admin, String error,
                            RetentionDraft draft, List<Retention.Removal> preview, List<Retention.Removal> dryRun,
                            Retention.ListedRun run) {

    /** The dry run's list as the run form posts it back: a line "repository:tag@digest" per tag. */
    public String shown() {
        StringBuilder lines = new StringBuilder();
        for (Retention.Removal r : dryRun == null ? List.<Retention.Removal>of() : dryRun) {
            lines.append(r.repository()).append(':').append(r.tag()).append('@').append(r.digest()).append('\n');
        }
        return lines.toString();
    }

    /** The tags a run form lists (as {@link #shown()} wrote them); a malformed line is kept with a null digest. */
    static List<Retention.Removal> parseShown(String text) {
        List<Retention.Removal> listed = new java.util.ArrayList<>();
        for (String line : (text == null ? "" : text).split("\n")) {
            line = line.strip();
            int at = line.indexOf('@');
            int colon = at < 0 ? -1 : line.lastIndexOf(':', at);
            if (colon > 0) {
                listed.add(new Retention.Removal(line.substring(0, colon), line.substring(colon + 1, at),
                        line.substring(at + 1), null));
            }
        }
        return listed;
    }

    /** The retention form as typed. */
    public record RetentionDraft(String pattern, String keepLast, String maxAgeDays, String keep) {
        static final RetentionDraft EMPTY = new RetentionDraft("*", "", "", "");
    }
}
