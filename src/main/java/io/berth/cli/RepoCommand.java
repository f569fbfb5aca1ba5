package io.berth.cli;

import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.oci.RepositoryName;
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
            String actor = LifecycleCommands.actor();
            try (Instance instance = Instance.open(config, "cli-" + ProcessHandle.current().pid())) {
                List<String> overridden = force ? instance.registry().immutableTags(repository) : List.of();
                if (!instance.registry().deleteRepository(repository, actor, force)) {
                    System.err.println("berth: no repository named " + repository);
                    return 2;
                }
                if (force) {
                    instance.admin().audit(actor, "repository.delete.force", repository.value(), "cli",
                            overridden.isEmpty() ? "no immutable tags" : "immutable tags: " + String.join(", ", overridden));
                }
            }
            System.out.println("deleted repository " + repository);
            return 0;
        }
    }
}
