package ai.dla.examples.runtime;

import static org.testng.Assert.assertEquals;

import com.sun.jna.Platform;
import org.testng.annotations.Test;

public class NativeMemoryTest {

    @Test
    public void glibcAcceptsTheAllocatorSettings() {
        String previous = System.getProperty(NativeMemory.PROPERTY);
        try {
            System.setProperty(NativeMemory.PROPERTY, "false");
            assertEquals(NativeMemory.keepFreedMemory(), false, "the property turns it off");
            System.clearProperty(NativeMemory.PROPERTY);
            assertEquals(NativeMemory.keepFreedMemory(), Platform.isLinux(), "glibc's mallopt accepts both settings");
        } finally {
            if (previous != null) {
                System.setProperty(NativeMemory.PROPERTY, previous);
            }
        }
    }
}
