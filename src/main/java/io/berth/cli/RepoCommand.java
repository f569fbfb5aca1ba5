package io.berth.cli;

import io.berth.config.BerthConfig;
import io.berth.metadata.MetadataStore;
import io.berth.oci.RepositoryName;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Repository administration; works while servers run, through the metadata store's transactions. */
@Command(name = "repo", mixinStandardHelpOptions = true, description = "Manage repositories.", subcommands = {RepoCommand.Delete.class})
final class RepoCommand {

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a repository: all its tags and manifests. Space returns through GC.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Parameters(paramLabel = "NAME", description = "Repository name, e.g. team-a/api")
        String name;

        @Override
        public Integer call() {
            BerthConfig config = options.load(Map.of());
            RepositoryName repository = new RepositoryName(name);
            try (MetadataStore metadata = Stores.metadata(config, Clock.systemUTC())) {
                if (!metadata.deleteRepository(repository)) {
                    System.err.println("berth: no repository named " + repository);
                    return 2;
                }
            }
            System.out.println("deleted repository " + repository);
            return 0;
        }
    }
}
