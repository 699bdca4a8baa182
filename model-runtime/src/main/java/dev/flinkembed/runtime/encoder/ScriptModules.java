package dev.flinkembed.runtime.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Parameterless TorchScript modules written by the runtime: DJL's NDArray API does not reach some PyTorch operators
 * (fused attention, quantized linear layers), but DJL runs TorchScript. A module here is TorchScript source packed as
 * {@code torch.jit.save} packs it (a zip of the pickled module object, its code and an empty constants table), so no
 * Python, no model file and no second copy of any weight is involved: the methods take tensors as arguments.
 */
public final class ScriptModules {

    private ScriptModules() {}

    /**
     * Compiles {@code code} (the source of {@code class NAME(Module)}, with {@code __parameters__ = []}) into
     * {@code manager}; the module is freed with the manager.
     */
    public static PtSymbolBlock load(NDManager manager, String className, String code) {
        try {
            return JniUtils.loadModule(
                    (PtNDManager) manager, new ByteArrayInputStream(archive(className, code)), false, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the TorchScript module " + className, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("PyTorch refused the TorchScript module " + className + ": " + e, e);
        }
    }

    /** Runs {@code method} and closes {@code args}; the caller owns (and closes) the result. */
    public static IValue call(PtSymbolBlock module, String method, IValue... args) {
        try {
            return IValueUtils.runMethod(module, method, args);
        } finally {
            for (IValue arg : args) {
                arg.close();
            }
        }
    }

    /** As {@link #call} for a method that returns a tensor, which becomes an array of {@code into}. */
    public static NDArray tensor(PtSymbolBlock module, String method, NDManager into, IValue... args) {
        try (IValue out = call(module, method, args)) {
            return out.toTensor((PtNDManager) into);
        }
    }

    /** The module as torch.jit.save writes it: every record under one folder, stored uncompressed. */
    static byte[] archive(String className, String code) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String root = className.toLowerCase(java.util.Locale.ROOT);
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            store(zip, root + "/data.pkl", pickledModule(className));
            store(zip, root + "/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            store(zip, root + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // an empty tuple
            store(zip, root + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            store(zip, root + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        }
        return bytes.toByteArray();
    }

    /** Pickle (protocol 2) of a {@code __torch__.NAME} object whose only attribute is {@code training=False}. */
    static byte[] pickledModule(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2); // PROTO 2
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        p.write(')'); // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}'); // EMPTY_DICT
        p.write('('); // MARK
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X'); // BINUNICODE, 4-byte little-endian length
        p.writeBytes(new byte[] {(byte) key.length, 0, 0, 0});
        p.writeBytes(key);
        p.write(0x89); // NEWFALSE
        p.write('u'); // SETITEMS
        p.write('b'); // BUILD
        p.write('.'); // STOP
        return p.toByteArray();
    }

    private static void store(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }
}
