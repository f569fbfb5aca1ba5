package io.berth.scan.inventory;

import com.github.packageurl.MalformedPackageURLException;
import com.github.packageurl.PackageURLBuilder;
import java.util.Locale;

/** Package URLs (purl) of found packages, by the purl spec's rules for each type. */
final class Purls {

    private Purls() {
    }

    static String of(FoundPackage p, Distro distro) {
        try {
            PackageURLBuilder b = PackageURLBuilder.aPackageURL().withVersion(p.version());
            switch (p.kind()) {
                case DPKG, APK, RPM -> {
                    String type = p.kind() == PackageKind.DPKG ? "deb" : p.kind() == PackageKind.APK ? "apk" : "rpm";
                    String namespace = distro != null && !distro.id().isEmpty() ? distro.id()
                            : p.kind() == PackageKind.DPKG ? "debian" : p.kind() == PackageKind.APK ? "alpine" : null;
                    b.withType(type).withNamespace(namespace).withName(p.name());
                    if (p.arch() != null && !p.arch().isEmpty()) {
                        b.withQualifier("arch", p.arch());
                    }
                    if (distro != null && distro.purlDistro() != null) {
                        b.withQualifier("distro", distro.purlDistro());
                    }
                    if (p.kind() == PackageKind.RPM && p.version().indexOf(':') > 0) {
                        int colon = p.version().indexOf(':');
                        b.withVersion(p.version().substring(colon + 1))
                                .withQualifier("epoch", p.version().substring(0, colon));
                    }
                }
                case MAVEN -> {
                    int colon = p.name().indexOf(':');
                    b.withType("maven").withNamespace(p.name().substring(0, colon))
                            .withName(p.name().substring(colon + 1));
                }
                case PYPI -> b.withType("pypi").withName(p.name().toLowerCase(Locale.ROOT));
                case NPM -> {
                    int slash = p.name().indexOf('/');
                    if (p.name().startsWith("@") && slash > 0) {
                        b.withType("npm").withNamespace(p.name().substring(0, slash))
                                .withName(p.name().substring(slash + 1));
                    } else {
                        b.withType("npm").withName(p.name());
                    }
                }
                case GO -> {
                    int slash = p.name().lastIndexOf('/');
                    b.withType("golang");
                    if (slash > 0) {
                        b.withNamespace(p.name().substring(0, slash)).withName(p.name().substring(slash + 1));
                    } else {
                        b.withName(p.name());
                    }
                }
                default -> throw new IllegalStateException(p.kind().name());
            }
            return b.build().canonicalize();
        } catch (MalformedPackageURLException e) {
            throw new IllegalArgumentException("no purl for " + p + ": " + e.getMessage(), e);
        }
    }
}
