package io.berth.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import io.berth.config.BerthConfig;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code log} section to Logback (configured by logback.xml) once the configuration is read.
 * {@code log.level} is the level of Berth's own loggers (io.berth, access): at {@code debug} they say what Berth
 * decided (auth, routing, storage) while the libraries' loggers (Netty, the AWS SDK, the JDBC pool) stay at INFO, so
 * debug output is Berth's and not the libraries' internals; a level above INFO quiets everything. A library's own
 * debug output is for a logback configuration file that names its logger (-Dlogback.configurationFile), which this
 * leaves as it is. {@code log.format: json} writes every line as a JSON object ({@link JsonLogLayout}).
 */
final class Logging {
    private Logging() {}

    static void configure(BerthConfig.Log log) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Level level = Level.toLevel(log.level(), Level.INFO);
        Level libraries = level.isGreaterOrEqual(Level.INFO) ? level : Level.INFO;
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(libraries);
        context.getLogger("io.berth").setLevel(level);
        // The access logger has its own appender and level in logback.xml: INFO unless more is asked.
        context.getLogger("access").setLevel(libraries == level ? Level.INFO : level);
        if (log.json()) {
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
                    json(context, appender);
                }
            }
        }
    }

    private static void json(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender) {
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        appender.stop();
        appender.setEncoder(encoder);
        appender.start();
    }
}
