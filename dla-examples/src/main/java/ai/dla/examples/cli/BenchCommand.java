package ai.dla.examples.cli;

import ai.dla.examples.bench.Benchmark;
import ai.dla.examples.bench.ResidentMemory;
import ai.dla.examples.bench.ServingSoak;
import ai.dla.examples.bench.StepTimes;
import ai.dla.examples.runtime.NativeMemory;
import ai.dla.examples.train.Devices;
import ai.dla.light.NativeKernel;
import ai.dla.network.Variant;
import ai.dla.stage.ContextMode;
import ai.dla.zoo.ModelName;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

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
public final class BenchCommand implements Command {

    private static final int IMAGENET_BATCH = 16;
    private static final int SMALL_IMAGE_BATCH = 128;
    private static final int SMALL_IMAGE = 64;
    private static final int LATENCY_STEPS = 300;
    private static final String LATENCY = "latency";
    private static final String SERVE = "serve";
    private static final String RELOAD = "reload";
    private static final int SERVE_PREDICTIONS = 20_000;
    private static final int RELOAD_CYCLES = 1000;
    private static final int RELOAD_EVERY = 50;

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "--model NAME [--dataset D] [--mode train|infer|latency|both|serve|reload] [--batch B] [--steps N] [--warmup W]"
                + " [--threads T] [--compare resnet] [--context per-sample|sample-zero] [--gpus 0|1]"
                + " [--memory-every K] [--profile FILE.json]";
    }

    @Override
    public String description() {
        return "time inference, training and single-image latency (img/s, ms/step, p99, peak memory), optionally"
                + " against ResNet";
    }

    @Override
    public void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(name(), argv, Set.of("model", "dataset", "mode", "batch", "steps", "warmup",
                "threads", "compare", "context", "gpus", "memory-every", "profile"), Set.of());
        ModelName model = TrainCommand.modelName(args);
        String requested = args.get("mode", "both");
        if (SERVE.equals(requested) || RELOAD.equals(requested)) {
            soak(args, model, requested, out);
            return;
        }
        List<String> modes = modes(requested);
        if (modes.contains(LATENCY) && args.has("batch")) {
            throw new UsageException("dla bench: --mode latency times single images; drop --batch");
        }
        int batch = args.positive("batch",
                model.dataset().getImageSize() > SMALL_IMAGE ? IMAGENET_BATCH : SMALL_IMAGE_BATCH);
        int steps = args.positive("steps", modes.contains(LATENCY) ? LATENCY_STEPS : 20);
        int warmup = args.integer("warmup", 3);
        int memoryEvery = args.integer("memory-every", 0);
        if (warmup < 0 || memoryEvery < 0) {
            throw new UsageException("dla bench: --warmup and --memory-every take a number of steps, 0 or more");
        }
        if (memoryEvery > 0 && !modes.contains("train")) {
            throw new UsageException("dla bench: --memory-every reports training steps; give --mode train or both");
        }
        List<ModelName> models = new ArrayList<>(List.of(model));
        if (args.has("compare")) {
            models.add(plain(model, args.get("compare", null)));
        }
        ContextMode context = ContextMode.fromId(args.get("context", ContextMode.PER_SAMPLE.getId()));
        int gpus = args.integer("gpus", 0);
        if (gpus < 0 || gpus > 1) {
            throw new UsageException("dla bench: --gpus takes 0 (the CPU) or 1; it times one device");
        }
        Path profile = args.has("profile") ? args.path("profile") : null;
        if (profile != null) {
            OutputPaths.file(name(), "profile", profile);
        }
        if (profile != null && (modes.size() > 1 || models.size() > 1)) {
            throw new UsageException("dla bench: --profile records one measurement: give one --mode and no --compare");
        }
        Device device = Devices.of(gpus)[0];
        boolean keepFreed = NativeMemory.keepFreedMemory();
        Engine.getInstance(); // loads libtorch, which JniUtils calls below
        if (args.has("threads")) {
            JniUtils.setNumThreads(args.positive("threads", 1));
        }
        out.printf(Locale.ROOT, "dla bench: batch %d of %dx%dx%d, %s, %d PyTorch thread(s), %d warm-up + %d timed steps"
                        + ", context %s, %s%n", modes.equals(List.of(LATENCY)) ? 1 : batch, model.dataset().getChannels(), model.dataset().getImageSize(),
                model.dataset().getImageSize(), device, JniUtils.getNumThreads(), warmup, steps, context.getId(),
                keepFreed ? "freed native memory kept for reuse" : "default native allocator");
        out.println("DLA-L inference on the CPU: " + NativeKernel.describe());
        out.printf(Locale.ROOT, "%-7s %-24s %10s %10s %10s %10s %10s %11s%n", "mode", "model", "img/s", "median ms",
                "min ms", "max ms", "p99 ms", "kernel/step");
        for (String mode : modes) {
            List<Benchmark> benchmarks = new ArrayList<>();
            try {
                for (ModelName m : models) {
                    benchmarks.add(new Benchmark(m, context, device, LATENCY.equals(mode) ? 1 : batch));
                }
                if (profile != null) {
                    JniUtils.startProfile(false, true, false);
                }
                boolean training = "train".equals(mode);
                List<StepTimes> results = Benchmark.interleaved(benchmarks, training, warmup, steps, done -> {
                    if (training && memoryEvery > 0 && done % memoryEvery == 0) {
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
                    out.printf(Locale.ROOT, "%-7s %-24s %10.1f %10.2f %10.2f %10.2f %10.2f %11.1f%n", mode,
                            models.get(i), times.imagesPerSecond(), times.medianMillis(), times.minMillis(),
                            times.maxMillis(), times.percentileMillis(99), times.kernelCallsPerStep());
                }
                if (results.size() == 2) {
                    out.printf(Locale.ROOT, "%-7s time ratio %s / %s: %.2f%n", mode, models.get(0), models.get(1),
                            results.get(0).medianMillis() / results.get(1).medianMillis());
                }
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

    private static void soak(Args args, ModelName model, String mode, PrintStream out) throws Exception {
        for (String flag : List.of("batch", "warmup", "threads", "compare", "context", "gpus", "profile")) {
            if (args.has(flag)) {
                throw new UsageException("dla bench: --mode " + mode + " measures serving memory; drop --" + flag);
            }
        }
        boolean serve = SERVE.equals(mode);
        int count = args.positive("steps", serve ? SERVE_PREDICTIONS : RELOAD_CYCLES);
        int every = args.positive("memory-every", serve ? ServingSoak.SETTLED_PREDICTIONS : RELOAD_EVERY);
        ServingSoak soak = new ServingSoak(model, out);
        if (serve) {
            soak.predictions(count, every);
        } else {
            soak.reloads(count, every);
        }
    }

    private static List<String> modes(String mode) throws UsageException {
        switch (mode) {
            case "both":
                return List.of("infer", "train");
            case "infer":
            case "train":
            case LATENCY:
                return List.of(mode);
            default:
                throw new UsageException("dla bench: --mode takes train, infer, latency, both, serve or reload, got '"
                        + mode + "'");
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
