package io.berth.scan.osv;

import io.berth.scan.InstalledPackage;
import io.berth.scan.version.InvalidVersionException;
import io.berth.scan.version.VersionScheme;
import io.berth.scan.version.VersionSchemes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Whether an OSV record affects an installed package, following the schema's evaluation: an affected entry applies
 * when its ecosystem is the package's (a release suffix on both sides must agree) and it names the package (the
 * source package for Debian, Ubuntu, Alpine and the other distributions whose records name source packages; the
 * PEP 503 name for PyPI); the version is affected when it is listed in {@code versions} or lies in an
 * {@code ECOSYSTEM} or {@code SEMVER} range (events in version order: {@code introduced} opens, {@code fixed} closes
 * at its version, {@code last_affected} closes after its version, {@code introduced: "0"} is before all versions,
 * and {@code limit}s cap the range); {@code GIT} ranges are ignored. Withdrawn records affect nothing.
 */
public final class Matcher {

    /** Ecosystems whose records name source packages (osv-schema's ecosystem list). */
    private static final Set<String> SOURCE_NAMED = Set.of("debian", "ubuntu", "alpine", "rocky linux", "almalinux",
            "opensuse", "suse", "openeuler", "mageia", "alpaquita", "bellsoft hardened containers", "echo");
    private static final Pattern NUMERIC_RELEASE = Pattern.compile("\\d+(?:\\.\\d+)*");

    private Matcher() {
    }

    /** The finding when {@code record} affects {@code pkg}: its fixed version and rating; empty when it does not. */
    public static Optional<Finding> match(OsvRecord record, InstalledPackage pkg) {
        if (record.isWithdrawn()) {
            return Optional.empty();
        }
        OsvRecord.Affected first = null;
        List<String> fixes = new ArrayList<>();
        boolean unfixed = false;
        VersionScheme<?> scheme = VersionSchemes.forEcosystem(pkg.ecosystem()).orElse(null);
        for (OsvRecord.Affected a : record.affected()) {
            if (!ecosystemMatches(a.pkg().ecosystem(), pkg.ecosystem()) || !nameMatches(a.pkg(), pkg)) {
                continue;
            }
            Optional<Hit> hit = affects(a, pkg.version(), scheme);
            if (hit.isPresent()) {
                first = first == null ? a : first;
                if (hit.get().fixed() == null) {
                    unfixed = true;
                } else {
                    fixes.add(hit.get().fixed());
                }
            }
        }
        if (first == null) {
            return Optional.empty();
        }
        String fix = unfixed || fixes.isEmpty() ? null : highest(fixes, scheme);
        return Optional.of(new Finding(record, pkg, first, fix, Rating.of(record, first)));
    }

    /**
     * The key under which a record's affected package is filed, so that a store can find the records to try for a
     * package with {@link #lookupKeys}: the ecosystem without its release, lower-cased, and the name (PEP 503
     * normalised for PyPI).
     */
    public static String key(OsvRecord.Package pkg) {
        String base = base(pkg.ecosystem());
        return base + ":" + normalizeName(base, pkg.name());
    }

    /** The keys ({@link #key}) of records that may affect {@code pkg}: its source name or its name, or both. */
    public static List<String> lookupKeys(InstalledPackage pkg) {
        String base = base(pkg.ecosystem());
        if (SOURCE_NAMED.contains(base)) {
            return List.of(base + ":" + pkg.sourceName());
        }
        String name = base + ":" + normalizeName(base, pkg.name());
        if (base.equals("red hat") && !pkg.sourceName().equals(pkg.name())) {
            return List.of(name, base + ":" + pkg.sourceName());
        }
        return List.of(name);
    }

    /**
     * Whether a record's ecosystem covers a package's: the same ecosystem, and where both carry a release, the same
     * release or one a dotted prefix of the other ({@code Debian:12} covers {@code Debian:12.5}); Alpine's {@code v}
     * and Ubuntu's {@code :LTS} are ignored, Red Hat's CPE-like suffix compares by its release number.
     */
    public static boolean ecosystemMatches(String recordEcosystem, String packageEcosystem) {
        String base = base(recordEcosystem);
        if (!base.equals(base(packageEcosystem))) {
            return false;
        }
        String r = release(base, VersionSchemes.release(recordEcosystem));
        String p = release(base, VersionSchemes.release(packageEcosystem));
        if (r.isEmpty() || p.isEmpty()) {
            return true;
        }
        return r.equals(p) || r.startsWith(p + ".") || p.startsWith(r + ".");
    }

    private static String base(String ecosystem) {
        return VersionSchemes.base(ecosystem).toLowerCase(Locale.ROOT);
    }

    private static String release(String base, String release) {
        String r = release.strip();
        switch (base) {
            case "alpine" -> r = r.startsWith("v") ? r.substring(1) : r;
            case "ubuntu" -> r = r.replace(":LTS", "");
            case "red hat" -> {
                java.util.regex.Matcher m = NUMERIC_RELEASE.matcher(r);
                r = m.find() ? m.group() : r;
            }
            default -> {
            }
        }
        return r;
    }

    private static boolean nameMatches(OsvRecord.Package recordPkg, InstalledPackage pkg) {
        String base = base(recordPkg.ecosystem());
        String name = normalizeName(base, recordPkg.name());
        if (SOURCE_NAMED.contains(base)) {
            return name.equals(pkg.sourceName());
        }
        if (base.equals("red hat")) {
            return name.equals(pkg.name()) || name.equals(pkg.sourceName());
        }
        return name.equals(normalizeName(base, pkg.name()));
    }

    private static String normalizeName(String base, String name) {
        return base.equals("pypi") ? name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-") : name;
    }

    /** A hit in one affected entry: the version that fixes it, or null when none is known. */
    private record Hit(String fixed) {
    }

    private static Optional<Hit> affects(OsvRecord.Affected a, String version, VersionScheme<?> scheme) {
        Hit hit = null;
        for (OsvRecord.Range range : a.ranges()) {
            VersionScheme<?> rangeScheme = switch (range.type()) {
                case "ECOSYSTEM" -> scheme;
                case "SEMVER" -> scheme == VersionScheme.GO ? VersionScheme.GO : VersionScheme.SEMVER;
                default -> null; // GIT ranges need the repository; unknown types are not ours to guess
            };
            if (rangeScheme == null) {
                continue;
            }
            Optional<Hit> h = inRange(rangeScheme, range, version);
            if (h.isPresent() && (hit == null || hit.fixed() != null)) {
                hit = h.get();
            }
        }
        if (hit == null && listed(a.versions(), version, scheme)) {
            hit = new Hit(null);
        }
        return Optional.ofNullable(hit);
    }

    private static boolean listed(List<String> versions, String version, VersionScheme<?> scheme) {
        for (String v : versions) {
            if (v.equals(version)) {
                return true;
            }
            if (scheme != null) {
                try {
                    if (scheme.compare(v, version) == 0) {
                        return true;
                    }
                } catch (InvalidVersionException e) {
                    // a listed version the scheme cannot read only matches by its exact text
                }
            }
        }
        return false;
    }

    /** One event with its version parsed; {@code parsed} is null for {@code introduced: "0"} (before everything). */
    private record Parsed<V>(OsvRecord.Event event, V parsed) {
    }

    private static <V extends Comparable<V>> Optional<Hit> inRange(VersionScheme<V> scheme, OsvRecord.Range range,
            String version) {
        V v;
        List<Parsed<V>> events = new ArrayList<>();
        boolean anyLimit = false;
        boolean beforeLimit = false;
        try {
            v = scheme.parse(version);
            for (OsvRecord.Event e : range.events()) {
                if (e.kind() == OsvRecord.EventKind.LIMIT) {
                    anyLimit = true;
                    beforeLimit |= e.version().equals("*") || v.compareTo(scheme.parse(e.version())) < 0;
                } else if (e.kind() == OsvRecord.EventKind.INTRODUCED && e.version().equals("0")) {
                    events.add(new Parsed<>(e, null));
                } else {
                    events.add(new Parsed<>(e, scheme.parse(e.version())));
                }
            }
        } catch (InvalidVersionException e) {
            return Optional.empty(); // a version this ordering cannot read: the range cannot be evaluated
        }
        if (anyLimit && !beforeLimit) {
            return Optional.empty();
        }
        events.sort(Comparator.comparing(Parsed::parsed, Comparator.nullsFirst(Comparator.naturalOrder())));
        boolean vulnerable = false;
        for (Parsed<V> e : events) {
            int c = e.parsed() == null ? 1 : v.compareTo(e.parsed());
            switch (e.event().kind()) {
                case INTRODUCED -> vulnerable |= c >= 0;
                case FIXED -> vulnerable &= c < 0;
                case LAST_AFFECTED -> vulnerable &= c <= 0;
                default -> {
                }
            }
        }
        if (!vulnerable) {
            return Optional.empty();
        }
        String fixed = null;
        for (Parsed<V> e : events) {
            if (e.event().kind() == OsvRecord.EventKind.FIXED && v.compareTo(e.parsed()) < 0) {
                fixed = e.event().version();
                break;
            }
        }
        return Optional.of(new Hit(fixed));
    }

    private static String highest(List<String> versions, VersionScheme<?> scheme) {
        if (scheme == null) {
            return versions.get(0);
        }
        try {
            return versions.stream().max(scheme).orElseThrow();
        } catch (InvalidVersionException e) {
            return versions.get(0);
        }
    }
}
