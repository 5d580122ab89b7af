package ai.dla.examples.cli;

import ai.dla.zoo.ModelName;

import java.util.Iterator;

/** The zoo's model names, which the bash completion offers after {@code --model}. */
final class ModelNames implements Iterable<String> {

    @Override
    public Iterator<String> iterator() {
        return ModelName.standardNames().iterator();
    }

    /**
     * Parses a model name from the command line.
     *
     * @param command the command, for messages
     * @param name the name
     * @return the model name
     * @throws UsageException naming the valid names if it is not one
     */
    static ModelName parse(String command, String name) throws UsageException {
        try {
            return ModelName.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": " + e.getMessage());
        }
    }
}
