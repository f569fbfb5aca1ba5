package io.berth.cli;

import io.berth.config.BuildInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The berth command line. Only the command being run is built in full: picocli reads every option of every command
 * it is given by reflection, which for all of them costs more than the rest of a `berth version` together. The others
 * are stand-ins holding their name and description, enough for `berth help` and the nearest-command suggestion.
 * Commands keep store, server and logging work out of their constructors and static initialisers.
 */
@Command(name = "berth", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Berth, a container image registry.")
public final class Main implements Callable<Integer> {
    /** Exit code of a command line that names no command, an unknown one or bad options (picocli's too). */
    static final int USAGE = 2;

    /** The commands, in the order `berth help` lists them. */
    static final List<Class<?>> COMMANDS = List.of(HelpCommand.class, VersionCommand.class,
            ServeCommand.class, RepoCommand.class, AccessCommands.UserCommand.class,
            AccessCommands.NamespaceCommand.class, AccessCommands.TokenCommand.class, AccessCommands.AuditCommand.class,
            LifecycleCommands.Gc.class, LifecycleCommands.TagCommand.class, LifecycleCommands.Promote.class,
            LifecycleCommands.RetentionCommand.class, MigrateCommand.class, ImportDistributionCommand.class,
            ScrubCommand.class, KeygenCommands.Keygen.class, KeygenCommands.Init.class,
            ListingCommands.ManifestCommand.class, ListingCommands.UsageCommand.class, LoginCommands.Login.class,
            LoginCommands.Logout.class, VulnDbCommands.VulnDbCommand.class, ScanCommands.ScanCommand.class);

    public static void main(String[] args) {
        if (args.length == 1 && Set.of("version", "--version", "-V").contains(args[0])) {
            // Picocli's first command line costs more than the rest of this JVM's start: skip it when there is
            // nothing to parse (issue 14: a CLI call takes at most 0.5 s).
            System.out.println(new Version().getVersion()[0]);
            System.exit(0);
        }
        int code = commandLine(args).execute(args);
        if (code != 0 || !isServe(args)) {
            System.exit(code);
        }
    }

    /**
     * The command line for args: every command named among them built in full (the one run, the one help explains;
     * an option's value that happens to be a command's name only costs that command's build).
     */
    static CommandLine commandLine(String... args) {
        Set<String> needed = Set.copyOf(java.util.Arrays.asList(args));
        CommandLine root = new CommandLine(new Main());
        for (Class<?> type : COMMANDS) {
            Command command = type.getAnnotation(Command.class);
            if (needed.contains(command.name())) {
                root.addSubcommand(command.name(), new CommandLine(type));
            } else {
                CommandSpec standIn = CommandSpec.create().name(command.name());
                standIn.usageMessage().header(command.header()).description(command.description())
                        .hidden(command.hidden());
                root.addSubcommand(command.name(), standIn);
            }
        }
        return root.setParameterExceptionHandler(Main::invalidInput)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("berth: " + OneLine.describe(e));
                    return 1;
                });
    }

    @CommandLine.Spec
    CommandSpec spec;

    /** `berth` alone: the usage with the list of commands, on stderr, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return USAGE;
    }

    private static boolean isServe(String[] args) {
        return args.length > 0 && args[0].equals("serve");
    }

    /** One line naming what was wrong and where help is; an unknown command gets the nearest real one. */
    private static int invalidInput(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String path = cmd.getCommandSpec().qualifiedName(" ");
        String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        Matcher helpFor = UNKNOWN_HELP.matcher(message);
        if (helpFor.matches()) {
            // `berth help nope`: the help command throws this with its parent, whose commands it looked in.
            err.println(unknownCommand(cmd, helpFor.group(1)));
        } else if (e instanceof UnmatchedArgumentException unmatched && !unmatched.isUnknownOption()
                && !cmd.getSubcommands().isEmpty() && !unmatched.getUnmatched().isEmpty()) {
            err.println(unknownCommand(cmd, unmatched.getUnmatched().get(0)));
        } else {
            String command = path.substring("berth".length()).strip();
            err.println("berth: " + (command.isEmpty() ? "" : command + ": ")
                    + Character.toLowerCase(message.charAt(0)) + message.substring(1)
                    + " (see '" + ("berth help " + command).strip() + "')");
        }
        return USAGE;
    }

    private static final Pattern UNKNOWN_HELP = Pattern.compile("Unknown subcommand '(.*)'\\.");

    /** "berth: unknown command 'namspace' (did you mean namespace?)". */
    private static String unknownCommand(CommandLine parent, String typed) {
        String command = parent.getCommandSpec().qualifiedName(" ").substring("berth".length()).strip();
        String prefix = command.isEmpty() ? "" : command + " ";
        String nearest = Suggestions.nearest(typed, parent.getSubcommands().keySet());
        return "berth: unknown command '" + prefix + typed + "'" + (nearest == null
                ? ": '" + ("berth help " + command).strip() + "' lists the commands"
                : " (did you mean " + prefix + nearest + "?)");
    }

    /** Version, git commit and build time, as the build baked them in. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"berth " + BuildInfo.current().describe()};
        }
    }

    @Command(name = "version", description = "Print the version, the git commit and the build time.")
    static final class VersionCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(new Version().getVersion()[0]);
            return 0;
        }
    }
}
