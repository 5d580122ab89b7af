package ai.dla.examples.cli;

import ai.dla.examples.train.Schedule;
import ai.dla.stage.ContextMode;
import ai.dla.zoo.DatasetProfile;

import java.util.Arrays;
import java.util.Iterator;
import java.util.function.Function;

/**
 * The values the help lists and the bash completion offers for flags whose values are ids, such as
 * {@code --dataset cifar10}: each list is read off its enum, so it cannot drift from it.
 */
final class Candidates {

    private Candidates() {}

    private static <E extends Enum<E>> Iterator<String> ids(Class<E> type, Function<E, String> id) {
        return Arrays.stream(type.getEnumConstants()).map(id).iterator();
    }

    /** The dataset ids: {@code cifar10}, {@code cifar100}, {@code imagenet}, {@code fashion_mnist}. */
    static final class DatasetIds implements Iterable<String> {

        @Override
        public Iterator<String> iterator() {
            return ids(DatasetProfile.class, DatasetProfile::getId);
        }
    }

    /** The DLA context modes: {@code per-sample} and {@code sample-zero}. */
    static final class ContextIds implements Iterable<String> {

        @Override
        public Iterator<String> iterator() {
            return ids(ContextMode.class, ContextMode::getId);
        }
    }

    /** The learning-rate schedules: {@code step} and {@code cosine}. */
    static final class ScheduleIds implements Iterable<String> {

        @Override
        public Iterator<String> iterator() {
            return ids(Schedule.class, Schedule::getId);
        }
    }
}
