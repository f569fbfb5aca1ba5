/**
 * OSV vulnerability records and matching them against installed packages: {@link io.berth.scan.osv.OsvRecord#parse}
 * (schema 1.6, with Jackson), {@link io.berth.scan.osv.Matcher#match} (the schema's evaluation, with the fixed version)
 * and {@link io.berth.scan.osv.Rating} (CVSS v3/v4/v2 scores, else the record's own rating, as Harbor's severity
 * levels). A store files records under {@link io.berth.scan.osv.Matcher#key} and looks them up for a package with
 * {@link io.berth.scan.osv.Matcher#lookupKeys}. Pure code: no store, no I/O beyond reading the given bytes.
 */
package io.berth.scan.osv;
