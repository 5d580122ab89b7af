package ai.dla.examples.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stochastic gradient descent with momentum as PyTorch's {@code torch.optim.SGD} computes it
 * (no dampening, no Nesterov), whose state can be saved and restored for an exact resume.
 *
 * <p>For each parameter w with gradient g: {@code v = momentum * v + (g + weightDecay * w)}, then
 * {@code w = w - lr * v}. The learning rate comes from a {@link Tracker} asked with the number of
 * completed steps, which {@link #endStep()} advances once per {@code Trainer.step()}. DJL's own
 * {@code Sgd} keeps its momentum private and scales it by the learning rate (MXNet's convention),
 * so neither its state nor its updates after a learning-rate drop match a PyTorch run.
 */
public final class ResumableSgd extends Optimizer {

    private final Tracker learningRate;
    private final float momentum;
    private final Map<String, Map<Device, NDArray>> velocity = new ConcurrentHashMap<>();
    private final Map<String, NDArray> restored = new ConcurrentHashMap<>();
    private int step;

    /**
     * Creates the optimizer.
     *
     * @param learningRate the learning rate as a function of the number of completed steps
     * @param momentum the momentum, 0 to 1
     * @param weightDecay the L2 weight decay applied to every parameter
     */
    public ResumableSgd(Tracker learningRate, float momentum, float weightDecay) {
        super(Optimizer.sgd().setLearningRateTracker(learningRate).optWeightDecays(weightDecay));
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        float lr = learningRate.getNewValue(step);
        NDArray v = withDefaultState(velocity, parameterId, weight.getDevice(), k -> initialVelocity(parameterId, weight));
        try (NDManager scope = weight.getManager().newSubManager()) {
            NDArray decay = weight.mul(getWeightDecay());
            decay.attach(scope);
            v.muli(momentum).addi(decay.addi(grad));
            NDArray change = v.mul(lr);
            change.attach(scope);
            weight.subi(change);
        }
        try (NDArray accumulated = weight.getGradient()) {
            accumulated.subi(accumulated);
        }
    }

    private NDArray initialVelocity(String parameterId, NDArray weight) {
        NDArray saved = restored.get(parameterId);
        if (saved == null) {
            return weight.zerosLike();
        }
        NDArray copy = saved.toDevice(weight.getDevice(), true);
        copy.attach(weight.getManager());
        return copy;
    }

    /** Marks the end of one optimizer step: the next updates use the next learning rate. */
    public void endStep() {
        step++;
    }

    /**
     * Returns the number of completed steps.
     *
     * @return the step count
     */
    public int getStep() {
        return step;
    }

    /**
     * Returns the learning rate of the next step.
     *
     * @return the learning rate
     */
    public float currentLearningRate() {
        return learningRate.getNewValue(step);
    }

    /**
     * Returns the momentum buffers, named by the parameters' paths in the block, copied to {@code
     * manager}. Parameters that have not been updated yet have no buffer.
     *
     * @param parameters the block's parameters, as {@code Block.getParameters()} lists them
     * @param manager the manager of the copies
     * @return the buffers
     */
    public NDList saveState(PairList<String, Parameter> parameters, NDManager manager) {
        NDList state = new NDList();
        for (Pair<String, Parameter> p : parameters) {
            Map<Device, NDArray> byDevice = velocity.get(p.getValue().getId());
            if (byDevice != null && !byDevice.isEmpty()) {
                NDArray copy = byDevice.values().iterator().next().toDevice(manager.getDevice(), true);
                copy.attach(manager);
                copy.setName(p.getKey());
                state.add(copy);
            }
        }
        return state;
    }

    /**
     * Restores the step count and the momentum buffers saved by {@link #saveState}, matched to the
     * parameters by path; each device's copy of a parameter starts from the restored buffer.
     *
     * @param parameters the block's parameters
     * @param state the buffers, named by parameter path
     * @param completedSteps the number of steps completed when the state was saved
     * @throws IllegalArgumentException if a buffer names no parameter or has the wrong shape
     */
    public void loadState(PairList<String, Parameter> parameters, NDList state, int completedSteps) {
        Map<String, Parameter> byPath = parameters.toMap();
        for (NDArray buffer : state) {
            Parameter parameter = byPath.get(buffer.getName());
            if (parameter == null || !parameter.getArray().getShape().equals(buffer.getShape())) {
                throw new IllegalArgumentException("Optimizer state '" + buffer.getName()
                        + "' " + buffer.getShape() + " does not match the model's parameters");
            }
            NDArray copy = buffer.duplicate();
            copy.attach(parameter.getArray().getManager());
            restored.put(parameter.getId(), copy);
        }
        velocity.clear();
        step = completedSteps;
    }
}
