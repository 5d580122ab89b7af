package ai.dla.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed flags of one command: {@code --name value} options and {@code --name} switches.
 * Unknown flags are rejected with the list of valid ones.
 */
public final class Args {

    private final String command;
    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Args(String command) {
        this.command = command;
    }

    /**
     * Parses the arguments that follow the command name.
     *
     * @param command the command name, for messages
     * @param argv the arguments
     * @param valued the flags that take a value (without {@code --})
     * @param switches the flags that take none
     * @return the parsed arguments
     * @throws UsageException naming the unknown flag or the flag missing its value
     */
    public static Args parse(String command, String[] argv, Set<String> valued, Set<String> switches)
            throws UsageException {
        return parse(command, argv, valued, switches, false);
    }

    /**
     * Parses the arguments that follow the command name, keeping arguments that are not flags
     * (such as image files) when {@code positional} is true.
     *
     * @param command the command name, for messages
     * @param argv the arguments
     * @param valued the flags that take a value (without {@code --})
     * @param switches the flags that take none
     * @param positional whether arguments that are not flags are allowed
     * @return the parsed arguments
     * @throws UsageException naming the unknown flag, the flag missing its value or the stray
     *     argument
     */
    public static Args parse(String command, String[] argv, Set<String> valued, Set<String> switches,
            boolean positional) throws UsageException {
        Args args = new Args(command);
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                if (!positional) {
                    throw new UsageException("dla " + command + ": unexpected argument '" + a + "'");
                }
                args.positional.add(a);
                continue;
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (switches.contains(name) && value == null) {
                args.options.put(name, "true");
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
                        throw new UsageException("dla " + command + ": --" + name + " needs a value");
                    }
                    value = argv[++i];
                }
                args.options.put(name, value);
            } else {
                List<String> valid = new ArrayList<>();
                valued.forEach(v -> valid.add("--" + v));
                switches.forEach(s -> valid.add("--" + s));
                Collections.sort(valid);
                throw new UsageException(
                        "dla " + command + ": unknown flag --" + name + "; valid flags: " + String.join(", ", valid));
            }
        }
        return args;
    }

    /**
     * Returns a required option.
     *
     * @param name the flag name without {@code --}
     * @return its value
     * @throws UsageException if it is missing
     */
    public String required(String name) throws UsageException {
        String v = options.get(name);
        if (v == null) {
            throw new UsageException("dla " + command + ": --" + name + " is required");
        }
        return v;
    }

    /**
     * Returns an option or a default.
     *
     * @param name the flag name
     * @param fallback the default
     * @return the value or the default
     */
    public String get(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    /**
     * Returns whether an option or switch was given.
     *
     * @param name the flag name
     * @return true if given
     */
    public boolean has(String name) {
        return options.containsKey(name);
    }

    /**
     * Returns the arguments that are not flags, in order.
     *
     * @return the arguments
     */
    public List<String> positional() {
        return Collections.unmodifiableList(positional);
    }

    /**
     * Returns a whole-number option or a default.
     *
     * @param name the flag name
     * @param fallback the default
     * @return the value or the default
     * @throws UsageException if the value is not a whole number
     */
    public int integer(String name, int fallback) throws UsageException {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("dla " + command + ": --" + name + " takes a whole number, got '" + v + "'");
        }
    }

    /**
     * Returns a whole-number option of 1 or more, or a default.
     *
     * @param name the flag name
     * @param fallback the default
     * @return the value or the default
     * @throws UsageException if the value is not a whole number of 1 or more
     */
    public int positive(String name, int fallback) throws UsageException {
        int value = integer(name, fallback);
        if (value < 1) {
            throw new UsageException("dla " + command + ": --" + name + " takes a whole number of 1 or more, got " + value);
        }
        return value;
    }

    /**
     * Returns a required path option.
     *
     * @param name the flag name
     * @return the path
     * @throws UsageException if it is missing
     */
    public Path path(String name) throws UsageException {
        return Path.of(required(name));
    }
}
