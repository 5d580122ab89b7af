/**
 * Layer attention: the light form used by DLA-L and MRLA-L ({@link
 * ai.dla.attention.LightLayerAttention}) and the token form of DLA-B ({@link
 * ai.dla.attention.TokenLayerAttention}).
 */
package ai.dla.attention;
