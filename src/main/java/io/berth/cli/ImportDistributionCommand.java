package io.berth.cli;

import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.registry.BlobCopier;
import io.berth.registry.DistributionImport;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Imports the filesystem storage of a CNCF Distribution registry into Berth's configured stores ({@link DistributionImport}). */
@Command(name = "import-distribution", mixinStandardHelpOptions = true,
        description = {"Import the storage of a CNCF Distribution registry (docker-registry, registry:2) into this"
                + " Berth's stores: blobs (digests verified), repositories, blob links, manifests and tags. Docker schema 1"
                + " manifests are skipped with a warning. Safe to run again.",
                "Stop the other registry (or make it read-only) first."})
final class ImportDistributionCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    @Parameters(paramLabel = "DIR",
            description = "Distribution's storage root (its rootdirectory, which holds docker/registry/v2)")
    Path dir;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "8", description = "Blobs copied at once. Default: 8")
    int parallel;

    @Override
    public Integer call() throws Exception {
        Path v2 = DistributionImport.locate(dir);
        BerthConfig config = options.loadForStores(false);
        long started = System.nanoTime();
        DistributionImport.Report report;
        try (Instance instance = Instance.open(config, "cli-" + ProcessHandle.current().pid())) {
            report = instance.distributionImport(LifecycleCommands.actor()).run(v2, parallel, new DistributionImport.Listener() {
                @Override
                public void started(Path root, int repositories) {
                    System.out.println("importing " + root + ": " + repositories + " repositories");
                }

                @Override
                public void warning(String message) {
                    System.err.println("warning: " + message);
                }
            });
            System.out.printf(Locale.ROOT, "blobs: %d copied (%s, digests verified), %d already there%n",
                    report.blobsCopied(), BlobCopier.size(report.bytesCopied()), report.blobsPresent());
            System.out.printf(Locale.ROOT, "repositories: %d, blob links: %d, manifests: %d, tags: %d%n",
                    report.repositories(), report.links(), report.manifests(), report.tags());
            if (report.schema1() > 0) {
                System.out.println("skipped: " + report.schema1() + " Docker schema 1 manifest(s) (Berth does not serve schema 1)");
            }
        }
        System.out.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - started) / 1e9);
        if (!report.problems().isEmpty()) {
            System.err.println("berth import-distribution: " + report.problems().size() + " problem(s); what they name was not imported:");
            report.problems().forEach(p -> System.err.println("  " + p));
            return 1;
        }
        return 0;
    }
}
