package dev.flinkembed.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** An SSLContext from a key store file (PKCS#12 or JKS: Java detects which), for {@code serve --tls-keystore}. */
final class TlsContexts {

    private TlsContexts() {}

    static SSLContext fromKeystore(ServeOptions.TlsKeystore tls) {
        char[] password = tls.password() == null ? new char[0] : tls.password().toCharArray();
        try (InputStream in = Files.newInputStream(tls.path())) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, password);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "--tls-keystore " + tls.path() + " cannot be used: " + e.getMessage()
                            + " (a PKCS#12 or JKS key store with the server's key and certificate; password from "
                            + "--tls-keystore-password-env)",
                    e);
        }
    }
}
