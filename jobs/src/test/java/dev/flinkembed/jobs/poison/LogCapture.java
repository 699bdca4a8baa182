package dev.flinkembed.jobs.poison;

import java.io.StringWriter;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Everything logged in this JVM at INFO and above (what a production TaskManager logs), exceptions with their full
 * cause chains, while it is open: to search for data that must never reach a log.
 */
public final class LogCapture implements AutoCloseable {

    private final StringWriter text = new StringWriter();
    private final LoggerContext context = (LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
    private final WriterAppender appender;
    private final Level rootLevel;

    public LogCapture() {
        Configuration config = context.getConfiguration();
        appender = WriterAppender.newBuilder()
                .setName("capture-" + System.nanoTime())
                .setTarget(text)
                .setLayout(PatternLayout.newBuilder()
                        .withPattern("%level %c - %msg%n%throwable")
                        .build())
                .build();
        appender.start();
        config.addAppender(appender);
        LoggerConfig root = config.getRootLogger();
        rootLevel = root.getLevel();
        root.addAppender(appender, Level.INFO, null);
        root.setLevel(Level.INFO);
        for (LoggerConfig l : config.getLoggers().values()) {
            if (l != root) {
                l.addAppender(appender, Level.INFO, null);
            }
        }
        context.updateLoggers();
    }

    public String text() {
        synchronized (text) {
            return text.toString();
        }
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        for (LoggerConfig l : config.getLoggers().values()) {
            l.removeAppender(appender.getName());
        }
        config.getRootLogger().removeAppender(appender.getName());
        config.getRootLogger().setLevel(rootLevel);
        context.updateLoggers();
        appender.stop();
    }
}
