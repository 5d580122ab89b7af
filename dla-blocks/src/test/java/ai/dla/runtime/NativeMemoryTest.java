package ai.dla.runtime;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import org.testng.SkipException;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * The allocator: a process restarted with it keeps its id, arguments, environment and exit status,
 * closes what it had open, and runs on one glibc arena or on tcmalloc; without it every thread has
 * an arena of its own.
 */
public class NativeMemoryTest {

    private static final Pattern PID = Pattern.compile(
            "^pid (\\d+) tunables (.*) preload (.*) args (.*) open (\\d+)$", Pattern.MULTILINE);
    private static final Pattern ARENA = Pattern.compile("^Arena \\d+:$", Pattern.MULTILINE);

    private Path openFile;

    @BeforeClass
    public void glibc() throws IOException {
        if (!Platform.isLinux()) {
            throw new SkipException("the allocator is chosen on Linux only");
        }
        try {
            NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("gnu_get_libc_version");
        } catch (UnsatisfiedLinkError e) {
            throw new SkipException("this Linux has no glibc: " + e.getMessage());
        }
        openFile = Files.createTempFile("restart-probe", ".txt");
        openFile.toFile().deleteOnExit();
    }

    @Test
    public void aRestartedProcessKeepsItsIdArgumentsAndStatusAndRunsOnOneArena() throws Exception {
        Probe probe = Probe.run(List.of("-D" + NativeMemory.PROPERTY + "=glibc"), Map.of("DLA_PROBE", "kept"), "3",
                openFile.toString(), "two words", "é");
        assertEquals(probe.status, 3, probe.output());
        List<MatchResult> lines = probe.pidLines();
        assertEquals(lines.size(), 2, "printed once before and once after the restart:\n" + probe.output());
        assertEquals(lines.get(1).group(1), lines.get(0).group(1), "the same process id");
        assertEquals(lines.get(0).group(2), "null");
        assertEquals(lines.get(1).group(2), NativeMemory.TUNABLES);
        assertEquals(lines.get(1).group(4), "3|" + openFile + "|two words|é", "the same arguments, bytes and all");
        assertEquals(lines.get(1).group(5), "0", "the file the first image had open is closed");
        assertEquals(probe.arenas(), 1, "one arena, although a second thread allocated:\n" + probe.err);
    }

    @Test
    public void tcmallocIsPreloadedWhereInstalled() throws Exception {
        Path tcmalloc = NativeMemory.tcmalloc().orElseThrow(() -> new SkipException(
                "tcmalloc is not installed here (Debian: apt-get install libtcmalloc-minimal4)"));
        Probe probe = Probe.run(List.of(), Map.of(), "0", openFile.toString());
        List<MatchResult> lines = probe.pidLines();
        assertEquals(lines.size(), 2, "printed once before and once after the restart:\n" + probe.output());
        assertEquals(lines.get(1).group(3), tcmalloc.toString());
        assertEquals(lines.get(1).group(2), "null", "glibc's settings are not needed with tcmalloc");
        assertTrue(probe.err.contains("MALLOC:"), "tcmalloc's malloc_stats, not glibc's:\n" + probe.err);
        assertTrue(probe.out.contains("release rate 0"), "freed memory is kept:\n" + probe.out);
    }

    @Test
    public void withoutItEveryThreadHasItsArena() throws Exception {
        Probe probe = Probe.run(List.of("-D" + NativeMemory.PROPERTY + "=off"), Map.of(), "0", openFile.toString());
        assertEquals(probe.status, 0, probe.output());
        assertEquals(probe.pidLines().size(), 1, "no restart:\n" + probe.output());
        assertTrue(probe.arenas() > 1, "glibc's default gives threads arenas of their own:\n" + probe.err);
    }

    @Test
    public void aSettingOfTheUsersOwnIsLeftAlone() throws Exception {
        Probe probe = Probe.run(List.of(), Map.of(NativeMemory.TUNABLES_VARIABLE, "glibc.malloc.arena_max=2"), "0",
                openFile.toString());
        List<MatchResult> lines = probe.pidLines();
        assertEquals(lines.size(), 1, "no restart:\n" + probe.output());
        assertEquals(lines.get(0).group(2), "glibc.malloc.arena_max=2");
    }

    @Test
    public void otherSettingsAreKeptAndABadChoiceIsNamed() {
        assertEquals(NativeMemory.joined("glibc.pthread.rseq=0", NativeMemory.TUNABLES, ":"),
                "glibc.pthread.rseq=0:" + NativeMemory.TUNABLES);
        assertEquals(NativeMemory.joined(null, NativeMemory.TUNABLES, ":"), NativeMemory.TUNABLES);
        assertEquals(NativeMemory.joined("/lib/tc.so", "/lib/mine.so", " "), "/lib/tc.so /lib/mine.so");
        assertEquals(NativeMemory.joined("/lib/tc.so", null, " "), "/lib/tc.so");
        assertTrue(NativeMemory.hasOwnSetting(null, "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"));
        assertFalse(NativeMemory.hasOwnSetting("glibc.pthread.rseq=0", null));
        String previous = System.getProperty(NativeMemory.PROPERTY);
        try {
            System.clearProperty(NativeMemory.PROPERTY);
            assertEquals(NativeMemory.keepFreedMemory(), true, "glibc's mallopt accepts both settings");
            System.setProperty(NativeMemory.PROPERTY, "off");
            assertEquals(NativeMemory.keepFreedMemory(), false, "off leaves the allocator alone");
            System.setProperty(NativeMemory.PROPERTY, "jemalloc");
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, NativeMemory::isMissing);
            assertEquals(e.getMessage(), "-Ddla.allocator=jemalloc is not a choice: give auto, tcmalloc, glibc or off");
        } finally {
            if (previous == null) {
                System.clearProperty(NativeMemory.PROPERTY);
            } else {
                System.setProperty(NativeMemory.PROPERTY, previous);
            }
        }
    }

    private record Probe(int status, String out, String err) {

        static Probe run(List<String> jvmFlags, Map<String, String> env, String... args)
                throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
            command.addAll(jvmFlags);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), RestartProbe.class.getName()));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().remove(NativeMemory.TUNABLES_VARIABLE);
            pb.environment().remove(NativeMemory.PRELOAD_VARIABLE);
            pb.environment().remove(NativeMemory.RELEASE_RATE_VARIABLE);
            pb.environment().putAll(env);
            Path err = Files.createTempFile("restart-probe", ".err");
            try {
                Process p = pb.redirectError(err.toFile()).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int status = p.waitFor();
                return new Probe(status, out, Files.readString(err));
            } finally {
                Files.delete(err);
            }
        }

        List<MatchResult> pidLines() {
            return PID.matcher(out).results().toList();
        }

        long arenas() {
            return ARENA.matcher(err).results().count();
        }

        String output() {
            return out + err;
        }
    }
}
