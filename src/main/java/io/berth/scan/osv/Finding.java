package io.berth.scan.osv;

import io.berth.scan.InstalledPackage;
import java.util.List;

/**
 * An installed package that an OSV record affects.
 *
 * @param record       the record
 * @param installed    the package
 * @param affected     the record's entry for the package that matched (the first, when several did)
 * @param fixedVersion the version that fixes it (the lowest fixed version above the installed one; the highest of
 *                     them when several entries match), or null when no fix is known
 * @param rating       how severe it is
 */
public record Finding(OsvRecord record, InstalledPackage installed, OsvRecord.Affected affected, String fixedVersion,
        Rating rating) {

    /** The record's id. */
    public String id() {
        return record.id();
    }

    /** The record's aliases (CVE ids and the like). */
    public List<String> aliases() {
        return record.aliases();
    }

    /** The record's links, for the report. */
    public List<String> links() {
        return record.references().stream().map(OsvRecord.Reference::url).toList();
    }
}
