package io.berth.clients;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every real-client test class shares: the "clients" tag (run with -Pclients) and the one {@link ClientLab} of
 * the run, in {@link #lab} before each test. A class's own {@code @BeforeAll} takes the lab as a parameter.
 */
@Tag("clients")
@ExtendWith(ClientLabExtension.class)
abstract class RealClientTest {
    /** The lab of this run: the clients, their daemons and both registries. */
    protected ClientLab lab;

    @BeforeEach
    final void useLab(ClientLab lab) {
        this.lab = lab;
    }

    /** Group 1 of the first line of the client's output that matches pattern; fails with the output otherwise. */
    protected static String single(Pattern pattern, CommandResult result) {
        Matcher matcher = pattern.matcher(result.stdout());
        if (!matcher.find()) {
            throw new AssertionError("no line matching " + pattern + " in:\n" + result.describe());
        }
        return matcher.group(1);
    }

    /** Runs Jib; a failure carries Jib's log. */
    protected static JibContainer containerize(JibContainerBuilder builder, Containerizer containerizer) throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        containerizer.addEventHandler(LogEvent.class, event -> log.add(event.getLevel() + " " + event.getMessage()));
        try {
            return builder.containerize(containerizer);
        } catch (Exception e) {
            throw new AssertionError("Jib failed: " + e + "\nJib log:\n" + String.join("\n", log), e);
        }
    }
}
