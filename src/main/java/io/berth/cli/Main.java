package io.berth.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The berth command line. */
@Command(name = "berth", mixinStandardHelpOptions = true, version = "berth 0.1.0",
        description = "Berth, a container image registry.",
        subcommands = {ServeCommand.class, RepoCommand.class, AccessCommands.UserCommand.class,
                AccessCommands.NamespaceCommand.class, AccessCommands.TokenCommand.class, AccessCommands.AuditCommand.class,
                LifecycleCommands.Gc.class, LifecycleCommands.TagCommand.class, LifecycleCommands.Promote.class,
                LifecycleCommands.RetentionCommand.class, MigrateCommand.class, ImportDistributionCommand.class,
                ScrubCommand.class, ListingCommands.ManifestCommand.class, ListingCommands.UsageCommand.class,
                LoginCommands.Login.class, LoginCommands.Logout.class})
public final class Main {
    public static void main(String[] args) {
        int code = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("berth: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    return 1;
                })
                .execute(args);
        if (code != 0 || !isServe(args)) {
            System.exit(code);
        }
    }

    private static boolean isServe(String[] args) {
        return args.length > 0 && args[0].equals("serve");
    }
}
