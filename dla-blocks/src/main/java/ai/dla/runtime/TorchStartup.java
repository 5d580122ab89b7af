package ai.dla.runtime;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Settles two things about libtorch on this host, once per process. The library calls {@link
 * #prepare()} itself when it builds its first convolution.
 *
 * <ul>
 *   <li><b>oneDNN's convolutions where the CPU reports no caches.</b> Some virtual machines (this
 *       project's AMD EPYC hosts among them) answer the CPUID leaves that describe the caches (4
 *       and 0x8000001D) with nothing, and Linux then lists no {@code
 *       /sys/devices/system/cpu/cpu0/cache}. oneDNN 3.x (PyTorch 2.1 and later, so DJL 0.36's
 *       PyTorch 2.7.1) sizes its brgemm convolutions from those caches: at AVX-512 it divides by
 *       zero ({@code SIGFPE} in {@code brg_blocking_t::est_eff_1x1}, the JVM dies), at AVX2 the
 *       weight gradients come out 1e-2 to 0.17 off (measured against the golden vectors). Capped
 *       at AVX it is right but trained ResNet-20 at 19 images/s where libtorch's own convolutions
 *       ran at 41, side by side. So on such a host, under
 *       oneDNN 3.x, this turns libtorch's oneDNN convolutions off ({@code
 *       at::Context::setUserEnabledMkldnn(false)}, Python's {@code torch.backends.mkldnn.enabled
 *       = False}): libtorch then convolves with its own kernels over its BLAS, at the full
 *       instruction set, and every golden passes. The switch is read at every convolution, so it
 *       holds from here on whatever ran before. oneDNN 2.x (PyTorch 2.0.1) is left alone: it passes
 *       at its full instruction set. Where {@code ONEDNN_MAX_CPU_ISA} (or {@code DNNL_MAX_CPU_ISA})
 *       is set, the environment has chosen, and with {@code -D}{@value #ONEDNN_PROPERTY}{@code
 *       =keep} nothing changes either.
 *   <li><b>NNPACK's warning.</b> On a CPU that NNPACK does not support, libtorch prints {@code
 *       Could not initialize NNPACK! Reason: Unsupported hardware.} when a convolution asks
 *       whether NNPACK is there (PyTorch 2.0.1 the first time, 2.7.1 every time), and then runs
 *       the convolution as it would anyway. This asks first ({@code at::native::_nnpack_available},
 *       which throws nothing) with libtorch's log level raised to errors for that call alone, and
 *       where NNPACK is unsupported and libtorch has the switch (2.7.1: {@code
 *       at::Context::setUserEnabledNNPACK}, Python's {@code torch.backends.nnpack}) turns it off,
 *       so that no convolution asks again. Every other warning is still printed.
 * </ul>
 *
 * <p>Hand-written over JNA (already on DJL's class path): DJL has no setting for either. The
 * functions called are plain setters and queries of libtorch that throw nothing.
 */
public final class TorchStartup {

    /** The system property that leaves oneDNN's convolutions on when set to {@code keep}. */
    public static final String ONEDNN_PROPERTY = "dla.onednn";

    private static final String ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";
    private static final String OLD_ISA_VARIABLE = "DNNL_MAX_CPU_ISA";
    private static final Path CPU_CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache/index0");
    private static final String LOG_LEVEL = "FLAGS_caffe2_log_level";
    private static final String NNPACK_AVAILABLE = "_ZN2at6native17_nnpack_availableEv";
    private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";
    private static final String SET_NNPACK = "_ZN2at7Context20setUserEnabledNNPACKEb";
    private static final String SET_MKLDNN = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private static final int LOG_ERRORS_ONLY = 2;
    /** A C++ bool comes back in the low byte of the register; the rest is undefined. */
    private static final int CPP_BOOL = 0xff;
    private static final Logger LOGGER = LoggerFactory.getLogger(TorchStartup.class);
    private static final AtomicBoolean DONE = new AtomicBoolean();
    private static final AtomicBoolean ONEDNN_OFF = new AtomicBoolean();

    private TorchStartup() {}

    /**
     * Prepares libtorch once: turns oneDNN's convolutions off where the CPU reports no caches (see
     * the class comment) and quiets NNPACK. Does nothing off Linux x86-64, without the PyTorch
     * engine, or when called again.
     *
     * @throws IllegalArgumentException if {@value #ONEDNN_PROPERTY} is neither {@code auto} nor {@code keep}
     */
    public static void prepare() {
        String property = System.getProperty(ONEDNN_PROPERTY);
        if (property != null && !property.equalsIgnoreCase("keep") && !property.equalsIgnoreCase("auto")) {
            throw new IllegalArgumentException("-D" + ONEDNN_PROPERTY + "=" + property
                    + " is not a setting: use auto (the default) or keep");
        }
        if (DONE.get() || !DONE.compareAndSet(false, true)) {
            return;
        }
        if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit() || !Engine.hasEngine("PyTorch")) {
            return;
        }
        try {
            String version = Engine.getEngine("PyTorch").getVersion();
            Path dir = Path.of(LibUtils.getLibtorchPath());
            Path cpu = dir.resolve("libtorch_cpu.so");
            if (!Files.isRegularFile(cpu)) {
                return;
            }
            NativeLibrary torch = NativeLibrary.getInstance(cpu.toString());
            if (needsOneDnnOff(version, Files.isDirectory(CPU_CACHES), environmentChoice(), property)) {
                set(torch, SET_MKLDNN, false);
                ONEDNN_OFF.set(true);
                LOGGER.debug("This CPU reports no caches, on which oneDNN 3.x (PyTorch {}) miscomputes its"
                        + " convolutions: they are off (-D{}=keep leaves them on)", version, ONEDNN_PROPERTY);
            }
            quietNnpack(torch, dir.resolve("libc10.so"));
        } catch (RuntimeException | LinkageError e) {
            LOGGER.debug("libtorch left as it is: {}", e.toString());
        }
    }

    /**
     * Returns whether libtorch's oneDNN convolutions run in this process, for {@code dla bench}.
     *
     * @return such as {@code off (this CPU reports no caches, ...)}, or {@code on}
     */
    public static String describeOneDnn() {
        if (ONEDNN_OFF.get()) {
            return "off (this CPU reports no caches, on which oneDNN 3.x miscomputes; libtorch's own kernels run)";
        }
        String chosen = environmentChoice();
        return chosen == null ? "on" : "on, " + ISA_VARIABLE + "=" + chosen;
    }

    /**
     * Returns whether oneDNN's convolutions must be turned off on this host: a PyTorch whose oneDNN
     * is 3.x (2.1 and later), a CPU that reports no caches, and no choice made elsewhere.
     *
     * @param pytorchVersion the engine's version, such as {@code 2.7.1}
     * @param cachesListed whether Linux lists the CPU's caches
     * @param environmentChoice the value of {@code ONEDNN_MAX_CPU_ISA} or {@code DNNL_MAX_CPU_ISA}, or null
     * @param property the value of {@value #ONEDNN_PROPERTY}, or null
     * @return true to turn them off
     */
    static boolean needsOneDnnOff(String pytorchVersion, boolean cachesListed, String environmentChoice,
            String property) {
        if (cachesListed || environmentChoice != null || "keep".equalsIgnoreCase(property)) {
            return false;
        }
        String[] parts = pytorchVersion.split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major > 2 || (major == 2 && minor >= 1);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The instruction set named in the environment the process started with, or null. */
    private static String environmentChoice() {
        String chosen = System.getenv(ISA_VARIABLE);
        return chosen != null ? chosen : System.getenv(OLD_ISA_VARIABLE);
    }

    /** Calls one of {@code at::Context}'s boolean setters on libtorch's global context. */
    private static void set(NativeLibrary torch, String setter, boolean value) {
        Function function = torch.getFunction(setter);
        Pointer context = torch.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
        function.invokeVoid(new Object[] {context, value});
    }

    private static void quietNnpack(NativeLibrary torch, Path c10) {
        if (!Files.isRegularFile(c10)) {
            return;
        }
        Pointer level = NativeLibrary.getInstance(c10.toString()).getGlobalVariableAddress(LOG_LEVEL);
        Function available = torch.getFunction(NNPACK_AVAILABLE);
        int old = level.getInt(0);
        level.setInt(0, Math.max(old, LOG_ERRORS_ONLY));
        boolean supported;
        try {
            supported = (available.invokeInt(new Object[0]) & CPP_BOOL) != 0;
        } finally {
            level.setInt(0, old);
        }
        if (supported) {
            return;
        }
        try {
            set(torch, SET_NNPACK, false);
            LOGGER.debug("NNPACK does not support this CPU: turned off, as libtorch would not use it");
        } catch (UnsatisfiedLinkError e) {
            LOGGER.debug("NNPACK does not support this CPU; libtorch {} has no switch for it, and warns once",
                    Engine.getEngine("PyTorch").getVersion());
        }
    }
}
