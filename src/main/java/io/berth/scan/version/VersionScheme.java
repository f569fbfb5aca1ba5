package io.berth.scan.version;

import java.util.Comparator;
import java.util.Objects;
import java.util.function.Function;

/**
 * The ordering of one ecosystem's versions. As a {@code Comparator<String>} it parses both sides and throws
 * {@link InvalidVersionException} for a string the ecosystem does not accept; {@link #parse} gives the parsed form to
 * compare one version against many bounds without parsing it again.
 *
 * @param <V> the parsed version
 */
public final class VersionScheme<V extends Comparable<V>> implements Comparator<String> {

    /** Debian and Ubuntu packages: {@code [epoch:]upstream[-revision]}, dpkg's ordering. */
    public static final VersionScheme<DpkgVersion> DPKG = new VersionScheme<>("dpkg", DpkgVersion::parse);
    /** RPM packages: {@code [epoch:]version[-release]}, rpm's {@code rpmvercmp} ordering. */
    public static final VersionScheme<RpmVersion> RPM = new VersionScheme<>("rpm", RpmVersion::parse);
    /** Alpine (apk) packages, apk-tools' ordering. */
    public static final VersionScheme<ApkVersion> APK = new VersionScheme<>("apk", ApkVersion::parse);
    /** Maven artifacts, Maven's {@code ComparableVersion} ordering. */
    public static final VersionScheme<MavenVersion> MAVEN = new VersionScheme<>("Maven", MavenVersion::parse);
    /** Python packages, PEP 440. */
    public static final VersionScheme<Pep440Version> PEP440 = new VersionScheme<>("PEP 440", Pep440Version::parse);
    /** SemVer 2.0 (npm, crates.io, OSV's SEMVER ranges); a leading {@code v} is tolerated. */
    public static final VersionScheme<SemVersion> SEMVER = new VersionScheme<>("SemVer", SemVersion::parse);
    /** Go modules: SemVer with {@code v}, pseudo-versions, {@code +incompatible}, and Go toolchain versions. */
    public static final VersionScheme<SemVersion> GO = new VersionScheme<>("Go", SemVersion::parseGo);

    private final String name;
    private final Function<String, V> parser;

    private VersionScheme(String name, Function<String, V> parser) {
        this.name = name;
        this.parser = parser;
    }

    /** The scheme's name, as error messages give it. */
    public String name() {
        return name;
    }

    /** Parses {@code version}, or throws {@link InvalidVersionException} saying why it is not one. */
    public V parse(String version) {
        Objects.requireNonNull(version, "version");
        return parser.apply(version);
    }

    /** Whether {@code version} is one this scheme accepts. */
    public boolean isValid(String version) {
        try {
            parse(version);
            return true;
        } catch (InvalidVersionException e) {
            return false;
        }
    }

    @Override
    public int compare(String a, String b) {
        return Integer.signum(parse(a).compareTo(parse(b)));
    }

    @Override
    public String toString() {
        return name;
    }
}
