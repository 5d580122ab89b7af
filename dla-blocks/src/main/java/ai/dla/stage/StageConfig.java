package ai.dla.stage;

import ai.dla.cell.CellType;
import ai.dla.cell.ContextCell;
import ai.dla.cell.ContextNorm;
import ai.dla.cell.DsuForm;

/**
 * What one stage is built from.
 *
 * @param inChannels the stage's input channels
 * @param planes p; the stage outputs 4p channels
 * @param units the number of bottleneck units
 * @param stride the stride of the first unit
 * @param reduction the cell's reduction ratio r
 * @param cell the context cell type
 * @param form the DSU form
 * @param norm the DSU output function
 * @param dropPathRate the drop-path rate of the attention branch
 * @param zeroLastGamma whether each unit's BN3 γ starts at 0
 */
public record StageConfig(
        long inChannels,
        int planes,
        int units,
        int stride,
        int reduction,
        CellType cell,
        DsuForm form,
        ContextNorm norm,
        float dropPathRate,
        boolean zeroLastGamma) {

    /**
     * Returns the stage's output channels.
     *
     * @return 4p
     */
    public int outChannels() {
        return Bottleneck.EXPANSION * planes;
    }

    ContextCell newCell() {
        return cell.create(outChannels(), reduction, form, norm);
    }
}
