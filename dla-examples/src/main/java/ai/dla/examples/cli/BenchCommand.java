package ai.dla.examples.cli;

import ai.dla.examples.bench.Benchmark;
import ai.dla.examples.bench.ResidentMemory;
import ai.dla.examples.bench.ServingSoak;
import ai.dla.examples.bench.StepTimes;
import ai.dla.examples.train.Devices;
import ai.dla.light.NativeKernel;
import ai.dla.network.Variant;
import ai.dla.runtime.NativeMemory;
import ai.dla.runtime.ProcessCounters;
import ai.dla.runtime.TorchStartup;
import ai.dla.stage.ContextMode;
import ai.dla.zoo.ModelName;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * {@code dla bench}: images per second and milliseconds per step of a network's inference and
 * training on synthetic batches, the latency of single-image inference (median and 99th
 * percentile), its peak resident memory, and with {@code --compare resnet} the same for the plain
 * ResNet of the same depth, measured in the same process with the two networks' steps interleaved. It says which inference path DLA-L takes
 * on the CPU and counts the fused kernel's calls per timed step, so the path that ran is measured,
 * not assumed. {@code --mode serve} and {@code --mode reload} instead follow the resident memory of
 * a serving process ({@link ServingSoak}): 20,000 single-image predictions, or 1,000 {@code ZooModel}
 * load and close cycles ({@code --steps} changes the count, {@code --memory-every} the interval).
 */
@Command(name = "bench", description = "time inference, training and single-image latency (img/s, ms/step, p99, peak"
        + " memory), optionally against ResNet")
final class BenchCommand extends DlaCommand {

    private static final int IMAGENET_BATCH = 16;
    private static final int SMALL_IMAGE_BATCH = 128;
    private static final int SMALL_IMAGE = 64;
    private static final int LATENCY_STEPS = 300;
    private static final int SERVE_PREDICTIONS = 20_000;
    private static final int RELOAD_CYCLES = 1000;
    private static final int RELOAD_EVERY = 50;

    /** What is measured. */
    enum Mode {
        /** Training steps. */
        TRAIN,
        /** Inference on batches. */
        INFER,
        /** Inference on single images. */
        LATENCY,
        /** Inference, then training. */
        BOTH,
        /** The resident memory of many single-image predictions. */
        SERVE,
        /** The resident memory of loading and closing the model many times. */
        RELOAD;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Returns the mode of an id.
         *
         * @param id such as {@code latency}
         * @return the mode
         * @throws IllegalArgumentException naming the modes if there is none of that id
         */
        static Mode fromId(String id) {
            for (Mode m : values()) {
                if (m.toString().equals(id)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("expected train, infer, latency, both, serve or reload, got '" + id + "'");
        }
    }

    @Mixin
    private ModelAndDataset network;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "both",
            description = "what to time: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    private Mode mode;

    @Option(names = "--batch", paramLabel = "B", description = "images per step (default: 128, or 16 for ImageNet)")
    private Integer batch;

    @Option(names = "--steps", paramLabel = "N",
            description = "timed steps (default: 20; 300 for latency; 20,000 predictions for serve, 1,000 loads for reload)")
    private Integer steps;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "3", description = "untimed steps first (default: ${DEFAULT-VALUE})")
    private int warmup;

    @Option(names = "--threads", paramLabel = "T", description = "PyTorch's threads (default: PyTorch's choice)")
    private Integer threads;

    @Option(names = "--compare", paramLabel = "resnet", description = "time the plain ResNet of the same depth too")
    private String compare;

    @Option(names = "--context", paramLabel = "CONTEXT", completionCandidates = Candidates.ContextIds.class,
            description = "the DLA context of a batch: ${COMPLETION-CANDIDATES} (default: per-sample)")
    private ContextMode context;

    @Option(names = "--gpus", paramLabel = "G", description = "0 for the CPU (default), 1 for the first CUDA device")
    private Integer gpus;

    @Option(names = "--memory-every", paramLabel = "K",
            description = "print the resident memory every K training steps (serve and reload: every K predictions or loads)")
    private Integer memoryEvery;

    @Option(names = "--profile", paramLabel = "FILE.json", description = "write PyTorch's profile of the timed steps")
    private Path profile;

    @Override
    void run(PrintStream out) throws Exception {
        ModelName name = network.resolve(name());
        if (mode == Mode.SERVE || mode == Mode.RELOAD) {
            soak(name, out);
            return;
        }
        List<Mode> modes = mode == Mode.BOTH ? List.of(Mode.INFER, Mode.TRAIN) : List.of(mode);
        boolean latency = mode == Mode.LATENCY;
        if (latency && batch != null) {
            throw new UsageException("dla bench: --mode latency times single images; drop --batch");
        }
        int batchSize = batch == null
                ? name.dataset().getImageSize() > SMALL_IMAGE ? IMAGENET_BATCH : SMALL_IMAGE_BATCH
                : positive("--batch", batch);
        int timed = steps == null ? latency ? LATENCY_STEPS : 20 : positive("--steps", steps);
        int every = memoryEvery == null ? 0 : memoryEvery;
        if (warmup < 0 || every < 0) {
            throw new UsageException("dla bench: --warmup and --memory-every take a number of steps, 0 or more");
        }
        if (every > 0 && !modes.contains(Mode.TRAIN)) {
            throw new UsageException("dla bench: --memory-every reports training steps; give --mode train or both");
        }
        List<ModelName> models = new ArrayList<>(List.of(name));
        if (compare != null) {
            models.add(plain(name, compare));
        }
        ContextMode contextMode = context == null ? ContextMode.PER_SAMPLE : context;
        int devices = gpus == null ? 0 : gpus;
        if (devices < 0 || devices > 1) {
            throw new UsageException("dla bench: --gpus takes 0 (the CPU) or 1; it times one device");
        }
        if (profile != null) {
            OutputPaths.file(name(), "profile", profile);
        }
        if (profile != null && (modes.size() > 1 || models.size() > 1)) {
            throw new UsageException("dla bench: --profile records one measurement: give one --mode and no --compare");
        }
        Device device = Devices.of(devices)[0];
        NativeMemory.keepFreedMemory();
        Engine engine = Engine.getInstance(); // loads libtorch, which JniUtils calls below
        TorchStartup.prepare();
        if (threads != null) {
            JniUtils.setNumThreads(positive("--threads", threads));
        }
        out.printf(Locale.ROOT, "dla bench: batch %d of %dx%dx%d, %s, %d PyTorch thread(s), %d warm-up + %d timed steps"
                        + ", context %s, %s%n", latency ? 1 : batchSize, name.dataset().getChannels(),
                name.dataset().getImageSize(), name.dataset().getImageSize(), device, JniUtils.getNumThreads(), warmup,
                timed, contextMode.getId(), NativeMemory.describe());
        out.println("DJL " + Engine.getDjlVersion() + ", PyTorch " + engine.getVersion() + ", oneDNN convolutions: "
                + TorchStartup.describeOneDnn());
        out.println("DLA-L inference on the CPU: " + NativeKernel.describe());
        if (modes.contains(Mode.TRAIN)) {
            out.println("DLA-L and MRLA-L training on the CPU: " + NativeKernel.describeTraining());
        }
        out.printf(Locale.ROOT, "%-7s %-24s %10s %10s %10s %10s %10s %11s%n", "mode", "model", "img/s", "median ms",
                "min ms", "max ms", "p99 ms", "kernel/step");
        for (Mode m : modes) {
            List<Benchmark> benchmarks = new ArrayList<>();
            try {
                for (ModelName n : models) {
                    benchmarks.add(new Benchmark(n, contextMode, device, m == Mode.LATENCY ? 1 : batchSize));
                }
                if (profile != null) {
                    JniUtils.startProfile(false, true, false);
                }
                boolean training = m == Mode.TRAIN;
                ProcessCounters[] timedStart = {ProcessCounters.now()};
                List<StepTimes> results = Benchmark.interleaved(benchmarks, training, warmup, timed, done -> {
                    if (done == 0) {
                        timedStart[0] = ProcessCounters.now();
                    } else if (training && every > 0 && done % every == 0) {
                        out.printf(Locale.ROOT, "  step %d: resident memory %s (Java heap committed %s)%n",
                                done, ResidentMemory.format(ResidentMemory.current()),
                                ResidentMemory.format(OptionalLong.of(ManagementFactory.getMemoryMXBean()
                                        .getHeapMemoryUsage().getCommitted())));
                    }
                });
                if (profile != null) {
                    JniUtils.stopProfile(profile.toAbsolutePath().toString());
                }
                for (int i = 0; i < results.size(); i++) {
                    StepTimes times = results.get(i);
                    out.printf(Locale.ROOT, "%-7s %-24s %10.1f %10.2f %10.2f %10.2f %10.2f %11.1f%n", m,
                            models.get(i), times.imagesPerSecond(), times.medianMillis(), times.minMillis(),
                            times.maxMillis(), times.percentileMillis(99), times.kernelCallsPerStep());
                }
                if (results.size() == 2) {
                    out.printf(Locale.ROOT, "%-7s time ratio %s / %s: %.2f%n", m, models.get(0), models.get(1),
                            results.get(0).medianMillis() / results.get(1).medianMillis());
                }
                out.printf(Locale.ROOT, "%-7s timed steps: %s%n", m,
                        ProcessCounters.now().since(timedStart[0], timed * models.size()));
            } finally {
                for (Benchmark b : benchmarks) {
                    b.close();
                }
            }
        }
        out.println("peak resident memory: " + ResidentMemory.format(ResidentMemory.peak()));
        if (profile != null) {
            out.println("wrote the PyTorch profile (Chrome trace) of the timed steps to " + profile.toAbsolutePath());
        }
    }

    private void soak(ModelName name, PrintStream out) throws Exception {
        for (String flag : List.of("--batch", "--warmup", "--threads", "--compare", "--context", "--gpus", "--profile")) {
            if (given(flag)) {
                throw new UsageException("dla bench: --mode " + mode + " measures serving memory; drop " + flag);
            }
        }
        boolean serve = mode == Mode.SERVE;
        int count = steps == null ? serve ? SERVE_PREDICTIONS : RELOAD_CYCLES : positive("--steps", steps);
        int every = memoryEvery == null ? serve ? ServingSoak.SETTLED_PREDICTIONS : RELOAD_EVERY
                : positive("--memory-every", memoryEvery);
        ServingSoak soak = new ServingSoak(name, out);
        if (serve) {
            soak.predictions(count, every);
        } else {
            soak.reloads(count, every);
        }
    }

    private static ModelName plain(ModelName model, String compare) throws UsageException {
        if (!Variant.RESNET.getId().equals(compare)) {
            throw new UsageException("dla bench: --compare takes resnet, got '" + compare + "'");
        }
        if (model.variant() == Variant.RESNET) {
            throw new UsageException("dla bench: --model " + model + " is already the plain ResNet; drop --compare");
        }
        return new ModelName(Variant.RESNET, model.depth(), model.dataset());
    }
}
