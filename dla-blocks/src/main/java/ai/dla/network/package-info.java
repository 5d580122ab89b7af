/**
 * The network: {@link ai.dla.network.DlaResNet} (stem → stages → pooled embedding → head), its
 * configuration {@link ai.dla.network.DlaResNetConfig} and builder, the two backbone {@link
 * ai.dla.network.Layout}s, the {@link ai.dla.network.Variant}s, and what a network costs ({@link
 * ai.dla.network.Complexity}).
 */
package ai.dla.network;
