package ai.dla.examples.bench;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import com.sun.jna.Platform;
import org.testng.annotations.Test;

import java.util.OptionalLong;

public class MeasurementTest {

    @Test
    public void medianMinMaxAndThroughput() {
        StepTimes odd = new StepTimes(new long[] {30_000_000, 10_000_000, 20_000_000}, 128, 0);
        assertEquals(odd.medianMillis(), 20.0);
        assertEquals(odd.minMillis(), 10.0);
        assertEquals(odd.maxMillis(), 30.0);
        assertEquals(odd.imagesPerSecond(), 6400.0, 1e-9);
        assertEquals(new StepTimes(new long[] {4_000_000, 1_000_000, 2_000_000, 3_000_000}, 1, 0).medianMillis(), 2.5);
        expectThrows(IllegalArgumentException.class, () -> new StepTimes(new long[0], 1, 0));
        long[] hundred = new long[100];
        for (int i = 0; i < hundred.length; i++) {
            hundred[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms
        }
        StepTimes times = new StepTimes(hundred, 1, 0);
        assertEquals(times.percentileMillis(99), 99.0, "99 of 100 steps take at most 99 ms");
        assertEquals(times.percentileMillis(100), 100.0);
        assertEquals(times.percentileMillis(50), 50.0);
        assertEquals(odd.percentileMillis(99), 30.0, "with three steps the 99th percentile is the slowest");
        expectThrows(IllegalArgumentException.class, () -> times.percentileMillis(0));
    }

    @Test
    public void residentMemoryIsReadOnLinux() {
        if (!Platform.isLinux()) {
            return;
        }
        OptionalLong current = ResidentMemory.current();
        OptionalLong peak = ResidentMemory.peak();
        assertTrue(current.isPresent() && current.getAsLong() > (16L << 20), "VmRSS " + current);
        assertTrue(peak.getAsLong() >= current.getAsLong(), peak + " < " + current);
        assertTrue(ResidentMemory.format(current).endsWith(" MiB"));
        assertEquals(ResidentMemory.format(OptionalLong.empty()), "n/a");
    }
}
