package ai.dla.examples.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's {@code metrics.csv}, one row per epoch, and its {@code curves.png}, redrawn after each
 * row. Hand-written rather than on commons-csv: a row is nine unquoted numbers, and reading must
 * tell a torn last line (a run killed mid-append) from damage elsewhere, which a CSV parser would
 * not make shorter.
 */
final class MetricsLog {

    /** The file name of the table. */
    static final String CSV = "metrics.csv";

    /** The file name of the plot. */
    static final String PNG = "curves.png";

    private final Path csv;
    private final Path png;
    private final List<EpochMetrics> rows;

    private MetricsLog(Path outputDir, List<EpochMetrics> rows) {
        this.csv = outputDir.resolve(CSV);
        this.png = outputDir.resolve(PNG);
        this.rows = rows;
    }

    /**
     * Opens the log of a run that has completed {@code epochs} epochs: rows of later epochs (written
     * after the last checkpoint by a run that was stopped) are dropped.
     *
     * @param outputDir the run's output directory
     * @param epochs the completed epochs to keep
     * @return the log
     * @throws IOException if the table cannot be read or rewritten
     */
    static MetricsLog open(Path outputDir, int epochs) throws IOException {
        Path csv = outputDir.resolve(CSV);
        List<EpochMetrics> rows = new ArrayList<>();
        if (Files.isRegularFile(csv)) {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (!line.isBlank() && !line.equals(EpochMetrics.HEADER)) {
                    EpochMetrics row;
                    try {
                        row = EpochMetrics.parse(line);
                    } catch (IllegalArgumentException e) {
                        if (i == lines.size() - 1) {
                            break; // an append cut short by a kill; its epoch is after the checkpoint's
                        }
                        throw new IOException(csv + " line " + (i + 1) + " is damaged (" + e.getMessage()
                                + "); repair or delete that line, then resume again", e);
                    }
                    if (row.epoch() <= epochs) {
                        rows.add(row);
                    }
                }
            }
        }
        MetricsLog log = new MetricsLog(outputDir, rows);
        log.rewrite();
        return log;
    }

    /**
     * Appends a row and redraws the curves.
     *
     * @param row the epoch's metrics
     * @throws IOException if the files cannot be written
     */
    void append(EpochMetrics row) throws IOException {
        rows.add(row);
        Files.writeString(csv, row.toCsv() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Curves.write(rows, png);
    }

    /**
     * Returns the rows so far.
     *
     * @return the rows, oldest first
     */
    List<EpochMetrics> rows() {
        return List.copyOf(rows);
    }

    private void rewrite() throws IOException {
        Path tmp = csv.resolveSibling(CSV + ".tmp");
        List<String> lines = new ArrayList<>();
        lines.add(EpochMetrics.HEADER);
        rows.forEach(r -> lines.add(r.toCsv()));
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, csv, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (!rows.isEmpty()) {
            Curves.write(rows, png);
        }
    }
}
