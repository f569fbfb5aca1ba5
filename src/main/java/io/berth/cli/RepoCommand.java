package io.berth.cli;

import io.berth.auth.AccessAdmin;
import io.berth.config.BerthConfig;
import io.berth.metadata.MetadataDatabase;
import io.berth.oci.RepositoryName;
import io.berth.storage.BlobStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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

        @Option(names = "--force", description = "Delete it even though it holds immutable tags (recorded in the audit log).")
        boolean force;

        @Override
        public Integer call() throws Exception {
            BerthConfig config = options.load(Map.of());
            RepositoryName repository = new RepositoryName(name);
            Clock clock = Clock.systemUTC();
            String actor = LifecycleCommands.actor();
            try (BlobStore blobs = Stores.blobs(config); MetadataDatabase database = Stores.database(config, clock)) {
                Lifecycle lifecycle = Lifecycle.open(config, database, blobs, clock, "cli-" + ProcessHandle.current().pid());
                List<String> overridden = force ? lifecycle.registry().immutableTags(repository) : List.of();
                if (!lifecycle.registry().deleteRepository(repository, actor, force)) {
                    System.err.println("berth: no repository named " + repository);
                    return 2;
                }
                if (force) {
                    AccessAdmin audit = AccessControl.admin(database, clock);
                    audit.audit(actor, "repository.delete.force", repository.value(), "cli",
                            overridden.isEmpty() ? "no immutable tags" : "immutable tags: " + String.join(", ", overridden));
                }
            }
            System.out.println("deleted repository " + repository);
            return 0;
        }
    }
}
