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
 * @param removed what a run of the stored rules removed (null: none ran)
 */
public record NamespaceView(String name, Boolean isPublic, List<Member> members, List<RepositorySummary> repositories,
                            boolean moreRepositories, List<String> immutableRules, List<RetentionRule> retentionRules,
                            long usedBytes, Long quotaBytes, boolean manage, boolean admin, String error,
                            RetentionDraft draft, List<Retention.Removal> preview, List<Retention.Removal> dryRun,
                            List<Retention.Removal> removed) {

    /** The retention form as typed. */
    public record RetentionDraft(String pattern, String keepLast, String maxAgeDays, String keep) {
        static final RetentionDraft EMPTY = new RetentionDraft("*", "", "", "");
    }
}
