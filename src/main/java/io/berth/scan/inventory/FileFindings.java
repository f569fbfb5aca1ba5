package io.berth.scan.inventory;

import java.util.List;
import java.util.Map;

/**
 * What one file of interest in a layer held: the packages it names, the os-release fields if it is an os-release
 * file, or why it was skipped. A file of interest without packages is kept too: it hides a lower layer's file of the
 * same path.
 *
 * @param packages  packages found in the file (empty if none)
 * @param osRelease os-release's KEY=VALUE fields, or null when the file is no os-release
 * @param skipped   why the file was not (fully) read, or null
 */
public record FileFindings(List<FoundPackage> packages, Map<String, String> osRelease, String skipped) {

    public FileFindings {
        packages = packages == null ? List.of() : List.copyOf(packages);
        osRelease = osRelease == null ? null : Map.copyOf(osRelease);
    }

    public static FileFindings of(List<FoundPackage> packages) {
        return new FileFindings(packages, null, null);
    }

    public static FileFindings skipped(String reason) {
        return new FileFindings(List.of(), null, reason);
    }
}
