package ai.dla.runtime;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;

import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/** When {@link TorchStartup} turns oneDNN's convolutions off, and that it says so. */
public class TorchStartupTest {

    @Test
    public void oneDnnGoesOffOnlyUnderOneDnn3OnACpuWithoutCachesAndNoOtherChoice() {
        assertTrue(TorchStartup.needsOneDnnOff("2.7.1", false, null, null));
        assertTrue(TorchStartup.needsOneDnnOff("2.1.0", false, null, "auto"));
        assertTrue(TorchStartup.needsOneDnnOff("3.0", false, null, null));
        assertFalse(TorchStartup.needsOneDnnOff("2.0.1", false, null, null), "oneDNN 2.x passes the goldens");
        assertFalse(TorchStartup.needsOneDnnOff("2.7.1", true, null, null), "the CPU lists its caches");
        assertFalse(TorchStartup.needsOneDnnOff("2.7.1", false, "AVX2", null), "the environment chose");
        assertFalse(TorchStartup.needsOneDnnOff("2.7.1", false, null, "keep"));
        assertFalse(TorchStartup.needsOneDnnOff("nightly", false, null, null));
    }

    @Test
    public void aBadSettingIsNamed() {
        String old = System.getProperty(TorchStartup.ONEDNN_PROPERTY);
        System.setProperty(TorchStartup.ONEDNN_PROPERTY, "avx");
        try {
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, TorchStartup::prepare);
            assertTrue(e.getMessage().contains("-Ddla.onednn=avx") && e.getMessage().contains("auto"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(TorchStartup.ONEDNN_PROPERTY);
            } else {
                System.setProperty(TorchStartup.ONEDNN_PROPERTY, old);
            }
        }
    }

    /** On this machine the description follows from the engine's version and the CPU's caches. */
    @Test
    public void theDescriptionSaysWhatThisProcessRuns() {
        TorchStartup.prepare();
        boolean off = TorchStartup.needsOneDnnOff(Engine.getEngine("PyTorch").getVersion(),
                Files.isDirectory(Path.of("/sys/devices/system/cpu/cpu0/cache/index0")),
                System.getenv("ONEDNN_MAX_CPU_ISA") != null ? System.getenv("ONEDNN_MAX_CPU_ISA")
                        : System.getenv("DNNL_MAX_CPU_ISA"),
                System.getProperty(TorchStartup.ONEDNN_PROPERTY));
        assertEquals(TorchStartup.describeOneDnn().startsWith("off"), off, TorchStartup.describeOneDnn());
    }
}
