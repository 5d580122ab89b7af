/**
 * DLA-L's own pieces: the shortcut update õ = o ⊙ d + DW(o) ({@link ai.dla.light.ShortcutUpdate})
 * and the fused CPU inference kernel of a DLA-L unit after its bottleneck ({@link
 * ai.dla.light.FusedLightUnit}, loaded by {@link ai.dla.light.NativeKernel}).
 */
package ai.dla.light;
