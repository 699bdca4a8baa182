package dev.flinkembed.jobs.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers as the compiled classes have them: model-runtime → operators → jobs, no arrow up; the jobs reach vector
 * stores only through the store interface (the CLI's flags excepted); no sink knows another.
 */
class LayeringTest {

    private static JavaClasses product;

    @BeforeAll
    static void importProductClasses() {
        // The other modules come as target/classes or as jars (installed, or packaged in the reactor); their test
        // jars are left out like this module's test classes.
        product = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.flinkembed");
    }

    @Test
    void everyModuleIsImported() { // a rule over no classes proves nothing
        assertThat(product.containPackage("dev.flinkembed.runtime.loading")).isTrue();
        assertThat(product.containPackage("dev.flinkembed.operators.stores.pgvector"))
                .isTrue();
        assertThat(product.containPackage("dev.flinkembed.jobs.cli")).isTrue();
        assertThat(product.containPackage("dev.flinkembed.serve")).isTrue();
        assertThat(product.contain("dev.flinkembed.operators.stores.pgvector.PgVectorWriterTest"))
                .isFalse();
    }

    @Test
    void theRuntimeNeverImportsFlinkNorTheLayersAboveIt() {
        noClasses()
                .that()
                .resideInAPackage("dev.flinkembed.runtime..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..", "dev.flinkembed.operators..", "dev.flinkembed.jobs..")
                .check(product);
    }

    @Test
    void theServerNeverImportsFlinkNorTheLayersAboveTheRuntime() {
        noClasses()
                .that()
                .resideInAPackage("dev.flinkembed.serve..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..", "dev.flinkembed.operators..", "dev.flinkembed.jobs..")
                .check(product);
    }

    @Test
    void operatorsNeverImportJobs() {
        noClasses()
                .that()
                .resideInAPackage("dev.flinkembed.operators..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.flinkembed.jobs..")
                .check(product);
    }

    @Test
    void theStoreInterfaceKnowsNoStore() {
        noClasses()
                .that()
                .resideInAPackage("dev.flinkembed.operators.store..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.flinkembed.operators.stores..", "dev.flinkembed.operators.sinks..")
                .check(product);
    }

    /** A store is one package under operators/stores/, listed in the service file: the jobs never name it. */
    @Test
    void jobsReachStoresOnlyThroughTheInterface() {
        noClasses()
                .that()
                .resideInAPackage("dev.flinkembed.jobs..")
                .and()
                .doNotHaveFullyQualifiedName("dev.flinkembed.jobs.cli.StoreFlags")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.flinkembed.operators.stores..")
                .check(product);
    }

    @Test
    void noStoreOrSinkImportsAnother() {
        slices().matching("dev.flinkembed.operators.stores.(*)..")
                .should()
                .notDependOnEachOther()
                .check(product);
        noClasses()
                .that()
                .resideInAPackage("dev.flinkembed.operators.stores..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.flinkembed.operators.sinks..")
                .check(product);
        noClasses()
                .that()
                .resideInAPackage("dev.flinkembed.operators.sinks..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.flinkembed.operators.stores..")
                .check(product);
    }

    @Test
    void noJdbcOutsideTheStores() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.flinkembed.operators.stores..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("java.sql..", "org.postgresql..")
                .check(product);
    }
}
