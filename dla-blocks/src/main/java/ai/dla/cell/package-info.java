/**
 * The recurrent cells that carry a stage's context from unit to unit: the Dynamic Sharing Unit and
 * the cells of the paper's ablation (DIA, LSTM, RNN), all behind {@link ai.dla.cell.ContextCell}.
 */
package ai.dla.cell;
