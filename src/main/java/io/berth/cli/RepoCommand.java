package io.berth.cli;

import io.berth.oci.RepositoryName;
import io.berth.registry.Lifecycle;
import io.berth.registry.Registry;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Repository administration; works while servers run, through the metadata store's transactions (or --server). */
@Command(name = "repo", mixinStandardHelpOptions = true, description = "List and delete repositories.",
        subcommands = {ListingCommands.RepoList.class, RepoCommand.Delete.class})
final class RepoCommand {

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a repository: all its tags and manifests. Space returns through GC.")
    static final class Delete extends LifecycleCommands.LifecycleCommand {
        @Parameters(paramLabel = "NAME", description = "Repository name, e.g. team-a/api")
        String name;

        @Option(names = "--force", description = "Delete it even though it holds immutable tags (recorded in the audit log).")
        boolean force;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            RepositoryName repository = new RepositoryName(name);
            String actor = LifecycleCommands.actor();
            List<String> overridden = force ? registry.immutableTags(repository) : List.of();
            if (!registry.deleteRepository(repository, actor, force)) {
                throw notFound(repository);
            }
            if (force) {
                audit("repository.delete.force", repository.value(),
                        overridden.isEmpty() ? "no immutable tags" : "immutable tags: " + String.join(", ", overridden));
            }
            System.out.println("deleted repository " + repository);
            return 0;
        }

        @Override
        int remote(ApiClient api) {
            RepositoryName repository = new RepositoryName(name);
            try {
                api.delete("/api/v1/repositories/" + repository + (force ? "?force=true" : ""));
            } catch (ApiClient.ApiException e) {
                throw e.status == 404 && "NAME_UNKNOWN".equals(e.code) ? notFound(repository) : e;
            }
            System.out.println("deleted repository " + repository);
            return 0;
        }

        /** The same words in both modes (the API's CODE: message style). */
        private static IllegalArgumentException notFound(RepositoryName repository) {
            return new IllegalArgumentException("NAME_UNKNOWN: repository " + repository + " not found");
        }
    }
}
