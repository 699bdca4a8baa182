package dev.flinkembed.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.junit.jupiter.api.Test;

/** Durations and sizes are parsed by Flink's own parsers; every key is also a Flink ConfigOption of its text. */
class ConfigKeyTest {

    @Test
    void durationsAndSizesAsFlinkWritesThem() {
        ConfigKey<Long> wait = ConfigKey.duration("x.wait", "50ms", "d");
        assertThat(wait.parse("50ms")).isEqualTo(50L);
        assertThat(wait.parse("10s")).isEqualTo(10_000L);
        assertThat(wait.parse("2min")).isEqualTo(120_000L);
        assertThat(wait.parse("1 h")).isEqualTo(3_600_000L);
        assertThat(wait.parse("250")).isEqualTo(250L);
        assertThatThrownBy(() -> wait.parse("-5s"))
                .hasMessageContaining("'x.wait'")
                .hasMessageContaining("'-5s'");
        assertThatThrownBy(() -> wait.parse("soon")).hasMessageContaining("a duration such as 50ms");
        ConfigKey<Long> size = ConfigKey.bytes("x.size", "64mb", "s");
        assertThat(size.parse("64mb")).isEqualTo(64L << 20);
        assertThat(size.parse("512kb")).isEqualTo(512L << 10);
        assertThat(size.parse("1gb")).isEqualTo(1L << 30);
        assertThat(size.parse("4096")).isEqualTo(4096L);
        assertThatThrownBy(() -> size.parse("0")).hasMessageContaining("'x.size'");
    }

    @Test
    void eachKeyIsAFlinkConfigOptionOfItsText() {
        ConfigKey<Integer> k = ConfigKey.positiveInt("batch.max-size", "64", "Rows per forward pass at most.");
        ConfigOption<String> o = k.option();
        assertThat(o.key()).isEqualTo("batch.max-size");
        assertThat(o.defaultValue()).isEqualTo("64");
        assertThat(new HtmlFormatter().format(o.description()))
                .contains("Rows per forward pass")
                .contains("a whole number ≥ 1");
        Configuration flink = new Configuration();
        flink.setString("batch.max-size", "16");
        assertThat(k.parse(flink.get(o))).isEqualTo(16);
        assertThat(ConfigKey.string("model.golden", null, "g").option().hasDefaultValue())
                .isFalse();
    }
}
