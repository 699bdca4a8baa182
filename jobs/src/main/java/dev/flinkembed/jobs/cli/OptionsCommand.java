package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.ConfigurationReference;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(
        name = "options",
        mixinStandardHelpOptions = true,
        description = {
            "Print every configuration key (YAML, --set, a SQL WITH map) with its default, what it accepts "
                    + "and what it means, as Markdown: the text of docs/configuration.md."
        })
final class OptionsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.print(ConfigurationReference.markdown());
        return 0;
    }
}
