package ai.dla.light;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The project's native CPU kernel ({@code libdlakernels.so}, compiled from {@code src/main/c} by
 * the Maven build where a C compiler exists) and whether it can run here.
 *
 * <p>It runs only where everything it relies on has been checked: Linux on x86-64, the PyTorch
 * engine at a version it was checked against ({@link #PYTORCH_VERSIONS}), the library present
 * in the jar, and the three libtorch functions it calls (the float data pointer of a tensor, the
 * {@code stride} operator, and for training a tensor's {@code grad_fn}) exported by the loaded
 * {@code libtorch_cpu.so}. Anywhere else, and with
 * {@code -D}{@value #PROPERTY}{@code =false}, the blocks run as separate DJL operations; the first
 * time that happens one log line says why. {@code -D}{@value #PROPERTY}{@code =inference} keeps the
 * inference kernel and turns the training kernels off ({@link FusedLightTraining}).
 */
public final class NativeKernel {

    /**
     * The system property that turns the fused kernels off when set to {@code false}, the training
     * kernels alone when set to {@code inference}, and when set to {@code maps} keeps the training
     * kernels for the map work but leaves the small per-sample work to DJL's autograd ({@link
     * NativeTerms} off).
     */
    public static final String PROPERTY = "dla.fused";

    /**
     * The PyTorch versions whose libtorch the kernel was checked against: the default build's, and
     * DJL 0.36's (the profile {@code djl-0.36}).
     */
    public static final List<String> PYTORCH_VERSIONS = List.of("2.0.1", "2.7.1");

    private static final String TRAINING_OFF = "inference";
    private static final String TERMS_OFF = "maps";
    private static final String LIBRARY = "dlakernels";
    private static final Logger LOGGER = LoggerFactory.getLogger(NativeKernel.class);
    private static final List<String> SETTINGS = List.of("true", "false", TRAINING_OFF, TERMS_OFF);
    private static final AtomicBoolean TOLD = new AtomicBoolean();
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final AtomicLong CALLS = new AtomicLong();
    private static final AtomicLong TRAINING_CALLS = new AtomicLong();
    private static final AtomicLong TERMS_CALLS = new AtomicLong();

    private NativeKernel() {}

    /**
     * Returns whether the fused kernel runs: it loaded, and {@value #PROPERTY} is not {@code false}.
     *
     * @return true if inference may take the fused path
     */
    public static boolean isActive() {
        if (!isEnabled()) {
            tellOnce("it is turned off by -D" + PROPERTY + "=false");
            return false;
        }
        if (Loaded.FAILURE != null) {
            tellOnce(Loaded.FAILURE);
            return false;
        }
        return true;
    }

    /**
     * Returns whether the fused training kernels run: the kernel is active and {@value #PROPERTY} is
     * not {@code inference}.
     *
     * @return true if training may take the fused path
     */
    public static boolean isTrainingActive() {
        if (TRAINING_OFF.equalsIgnoreCase(setting())) {
            return false;
        }
        return isActive();
    }

    /**
     * Returns whether the small per-sample work of a fused training unit runs in C ({@link
     * NativeTerms}): the training kernels are active, the library found libtorch's BLAS, and
     * {@value #PROPERTY} is not {@code maps}.
     *
     * @return true if the fused training path may compute the small terms in C
     */
    static boolean isTermsActive() {
        return !TERMS_OFF.equalsIgnoreCase(setting()) && isTrainingActive() && Loaded.TERMS_FAILURE == null;
    }

    /**
     * Returns which training path DLA-L and MRLA-L take in this process on the CPU, for example
     * {@code fused training kernels (libdlakernels, 2 OpenMP threads)} or {@code separate DJL
     * operations: ...}. Training loops take the fused path only inside a {@link SegmentedBackward}.
     *
     * @return one line
     */
    public static String describeTraining() {
        if (TRAINING_OFF.equalsIgnoreCase(setting())) {
            return "separate DJL operations: the training kernels are turned off by -D" + PROPERTY + "=" + TRAINING_OFF;
        }
        if (!isEnabled() || Loaded.FAILURE != null) {
            return describe();
        }
        String terms = isTermsActive() ? "" : ", the small per-sample work under autograd: "
                + (Loaded.TERMS_FAILURE == null ? "-D" + PROPERTY + "=" + TERMS_OFF : Loaded.TERMS_FAILURE);
        return String.format(Locale.ROOT, "fused training kernels (lib%s, %d OpenMP thread(s)%s)", LIBRARY, threads(),
                terms);
    }

    /**
     * Returns which inference path DLA-L takes in this process on the CPU, and why, for example
     * {@code fused native kernel (libdlakernels, 2 OpenMP threads)} or {@code separate DJL
     * operations: it is turned off by -Ddla.fused=false}.
     *
     * @return one line
     */
    public static String describe() {
        if (!isEnabled()) {
            return "separate DJL operations: the fused kernel is turned off by -D" + PROPERTY + "=false";
        }
        if (Loaded.FAILURE != null) {
            return "separate DJL operations: " + Loaded.FAILURE;
        }
        return String.format(Locale.ROOT, "fused native kernel (lib%s, %d OpenMP thread(s))", LIBRARY, threads());
    }

    /**
     * Returns how many times the kernels have computed a unit in this process (inference, or a
     * training forward pass), so that a caller can tell which path a pass took.
     *
     * @return the number of successful kernel calls
     */
    public static long calls() {
        return CALLS.get();
    }

    /**
     * Returns how many units the fused training kernels have computed in this process.
     *
     * @return the number of units, counted in {@link #calls()} too
     */
    public static long trainingCalls() {
        return TRAINING_CALLS.get();
    }

    /**
     * Returns how many units' small terms the kernels have computed in C ({@link NativeTerms}) in
     * this process.
     *
     * @return the number of units
     */
    public static long termsCalls() {
        return TERMS_CALLS.get();
    }

    /** Counts one unit whose small terms the kernels computed. */
    static void calledTerms() {
        TERMS_CALLS.incrementAndGet();
    }

    /** Counts one successful kernel call. */
    static void called() {
        CALLS.incrementAndGet();
    }

    /** Counts one unit that the fused training kernels computed. */
    static void calledTraining() {
        TRAINING_CALLS.incrementAndGet();
        CALLS.incrementAndGet();
    }

    /**
     * Returns the threads a kernel call uses: PyTorch's intra-op threads.
     *
     * @return at least 1
     */
    static int threads() {
        return Math.max(1, JniUtils.getNumThreads());
    }

    /**
     * Logs once per process that a fused path was not taken, and why.
     *
     * @param reason the reason
     */
    static void tellOnce(String reason) {
        if (TOLD.compareAndSet(false, true)) {
            LOGGER.info("DLA's light units run as separate DJL operations: {}", reason);
        }
    }

    private static boolean isEnabled() {
        return !"false".equalsIgnoreCase(setting());
    }

    private static String setting() {
        String value = System.getProperty(PROPERTY, "true").trim();
        if (!SETTINGS.contains(value.toLowerCase(Locale.ROOT)) && WARNED.compareAndSet(false, true)) {
            LOGGER.warn("-D{}={} is not a setting of the fused kernels: give true (the default), maps, inference or"
                    + " false; running as true", PROPERTY, value);
        }
        return value;
    }

    /**
     * Returns whether an array is one the kernels can read: a live dense float32 PyTorch array on
     * the CPU (its layout is checked by the kernel itself).
     *
     * @param a the array
     * @return true if usable
     */
    static boolean usable(NDArray a) {
        return a instanceof PtNDArray
                && !((PtNDArray) a).isReleased()
                && Device.Type.CPU.equals(a.getDevice().getDeviceType())
                && a.getDataType() == DataType.FLOAT32
                && a.getSparseFormat() == SparseFormat.DENSE;
    }

    /**
     * Returns whether a gradient flows into an array: it is a leaf that requires one, or autograd
     * recorded the operation that made it. Only while the kernel is active.
     *
     * @param a the array, {@link #usable}
     * @return true if a gradient flows into it
     */
    static boolean needsGradient(NDArray a) {
        return JniUtils.requiresGrad((PtNDArray) a) || Calls.dla_has_grad_fn(handle(a)) == 1;
    }

    /**
     * Returns the libtorch tensor handle of a PyTorch array.
     *
     * @param a the array, {@link #usable}
     * @return its handle
     */
    static long handle(NDArray a) {
        return ((PtNDArray) a).getHandle();
    }

    /** Loads the library once, on first use; FAILURE is null if it can run. */
    private static final class Loaded {

        static final String FAILURE = load();

        /** Null if the small terms' kernels can run (they need libtorch's BLAS); else why not. */
        static final String TERMS_FAILURE = FAILURE != null ? FAILURE : loadTerms();

        private Loaded() {}

        private static String loadTerms() {
            Path libtorch = Path.of(LibUtils.getLibtorchPath(), "libtorch_cpu.so");
            int init = Calls.dla_terms_init(libtorch.toString());
            return init == 0 ? null : libtorch + " does not export the BLAS sgemm_ (code " + init + ")";
        }

        private static String load() {
            if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit()) {
                return "no kernel is built for " + System.getProperty("os.name") + " on "
                        + System.getProperty("os.arch") + " (only Linux on x86-64)";
            }
            String resource = "/" + Platform.RESOURCE_PREFIX + "/lib" + LIBRARY + ".so";
            if (NativeKernel.class.getResource(resource) == null) {
                return "this build carries no " + resource.substring(1)
                        + " (it had no C compiler; install gcc and rebuild to get the fused kernel)";
            }
            try {
                Engine engine = Engine.getEngine("PyTorch");
                if (!PYTORCH_VERSIONS.contains(engine.getVersion())) {
                    return "the kernel was checked against PyTorch " + String.join(" and ", PYTORCH_VERSIONS)
                            + ", the engine is " + engine.getVersion();
                }
                Path libtorch = Path.of(LibUtils.getLibtorchPath(), "libtorch_cpu.so");
                if (!Files.isRegularFile(libtorch)) {
                    return "no libtorch_cpu.so in " + libtorch.getParent();
                }
                Native.register(Calls.class, NativeLibrary.getInstance(LIBRARY, NativeKernel.class.getClassLoader()));
                int init = Calls.dla_init(libtorch.toString());
                if (init != 0) {
                    return libtorch + " does not export the functions the kernel calls (code " + init + ")";
                }
                return null;
            } catch (RuntimeException | LinkageError e) {
                return "the kernel could not be loaded: " + e;
            }
        }
    }

    /** The library's functions, bound by JNA's direct mapping (see {@code dla_kernels.c}). */
    static final class Calls {

        private Calls() {}

        static native int dla_init(String libtorchCpu);

        static native int dla_light_unit(long x, long o, long hPrev, long cPrev, long hNext, long cNext,
                long dsu, long unit, long batch, long channels, long height, long width, int hidden, int kernel,
                int norm, int sampleZero, int threads);

        static native int dla_train_gap(long b, long o, long gu, long go, long relu, long batch, long channels,
                long height, long width, int threads);

        static native int dla_train_forward(long b, long o, long heads, long factor, long value, long shortcut,
                long mask, long gamma, long beta, long runningMean, long runningVar, float momentum, float eps,
                long s, long y, long stats, long batch, long channels, long height, long width, int threads);

        static native int dla_train_reduce(long dy, long s, long b, long o, long heads, long value, long mask,
                long gamma, long stats, long normGrads, long dHeads, long dFactor, long dValue, long dShortcut,
                long batch, long channels, long height, long width, int threads);

        static native int dla_train_maps(long dy, long ds, long relu, long heads, long factor, long value,
                long shortcut, long dSummary, long dShortcutSummary, long db, long dout, long batch, long channels,
                long height, long width, int threads);

        static native int dla_terms_init(String libtorchCpu);

        static native long dla_terms_saved_floats(long batch, long channels, long hidden);

        static native int dla_terms_forward(long gu, long go, long h, long c, long wq, long wk, long lambda, long wv,
                long dw, long[] dsu, long a, long factor, long value, long shortcut, long hNext, long cNext, long saved,
                long batch, long channels, long hidden, int k, int norm, int sampleZero);

        static native int dla_terms_backward(long gu, long go, long h, long c, long wq, long wk, long lambda, long wv,
                long dw, long[] dsu, long a, long hNext, long cNext, long saved, long da, long dfactor, long dvalue,
                long dshortcut, long dhNext, long dcNext, long dgu, long dgo, long dh, long dc, long dwq, long dwk,
                long dlambda, long dwv, long ddw, long[] dsuGrads, long batch, long channels, long hidden, int k,
                int norm, int sampleZero);

        static native int dla_is_channels_last(long t, long batch, long channels, long height, long width);

        static native int dla_has_grad_fn(long t);
    }
}
