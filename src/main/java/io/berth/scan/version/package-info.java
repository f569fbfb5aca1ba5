/**
 * Exact version orderings of the package ecosystems Berth scans: {@link io.berth.scan.version.VersionScheme} (dpkg,
 * rpm, apk, Maven, PEP 440, SemVer, Go), each a {@code Comparator<String>} whose parse refuses what the ecosystem's
 * own tool refuses, and {@link io.berth.scan.version.VersionSchemes#forEcosystem} from an OSV ecosystem name. Pure
 * code: no store, no I/O.
 */
package io.berth.scan.version;
