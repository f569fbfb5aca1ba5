package io.berth.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * `berth help [COMMAND [SUBCOMMAND...]]`: picocli's help command with one difference, it follows the whole path
 * (picocli's looks up the first name only, so `berth help namespace grant` showed the help of `namespace`).
 */
@Command(name = "help", helpCommand = true, synopsisHeading = "%nUsage: ",
        header = "Display help information about the specified command.",
        description = {"%nWhen no COMMAND is given, the usage help for the main command is displayed.",
                "If a COMMAND is specified, the help for that command (or its subcommand) is shown.%n"})
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show usage help for the help command and exit.")
    boolean helpRequested;

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "The COMMAND (and SUBCOMMAND) to display the usage help message for.")
    String[] commands = new String[0];

    private CommandLine self;
    private ColorScheme colors;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = out;
    }

    @Override
    public void run() {
        CommandLine current = self.getParent();
        for (String name : commands) {
            CommandLine sub = current.getSubcommands().get(name);
            if (sub == null) {
                // Main's handler turns this into "unknown command 'PATH NAME'" with the nearest real one.
                throw new ParameterException(current, "Unknown subcommand '" + name + "'.", null, name);
            }
            current = sub;
        }
        current.usage(out, colors);
    }
}
