package io.berth.cli;

import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.registry.Scrubber;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** berth scrub: checks every stored blob against its digest and the metadata; works while servers run. */
@Command(name = "scrub", mixinStandardHelpOptions = true,
        description = {"Read every blob and check its digest and size against the metadata; find blobs without a record "
                + "and records without a blob. Safe while servers run.",
                "Exit code: 0 when all is well (or every problem was repaired), 2 when problems remain."})
final class ScrubCommand implements Callable<Integer> {
    /** Exit code when problems were found and not repaired. */
    static final int PROBLEMS_FOUND = 2;

    @Mixin
    CommonOptions options;

    @Option(names = "--repair", description = "Move corrupt and unrecorded blobs to quarantine/ and forget records "
            + "whose blob is gone or corrupt, so pulls answer 404 and the next push uploads the blob again.")
    boolean repair;

    @Option(names = "--progress-every", defaultValue = "1000",
            description = "Print progress every this many blobs (and at least every 10 seconds). Default: ${DEFAULT-VALUE}")
    int progressEvery;

    @Override
    public Integer call() throws Exception {
        BerthConfig config = options.loadForStores(false);
        try (Instance instance = Instance.open(config, "cli-" + ProcessHandle.current().pid())) {
            Scrubber.Report report = instance.scrubber().run(repair, p -> System.out.printf(Locale.ROOT,
                    "progress: %d blobs read (%d bytes), %d records checked, %d problems%n", p.blobsRead(), p.bytesRead(),
                    p.recordsChecked(), p.problems()), progressEvery, Duration.ofSeconds(10));
            report.findings().forEach(System.out::println);
            long unrepaired = report.findings().stream().filter(f -> !f.repaired()).count();
            System.out.printf(Locale.ROOT, "%s: %d blobs read (%d bytes), %d records checked, %d problems found, %d repaired"
                            + " in %d ms%n", report.findings().isEmpty() ? "clean" : report.healthy() ? "repaired" : "problems", report.blobsRead(), report.bytesRead(),
                    report.recordsChecked(), report.findings().size(), report.findings().size() - unrepaired,
                    report.took().toMillis());
            return report.healthy() ? 0 : PROBLEMS_FOUND;
        }
    }
}
