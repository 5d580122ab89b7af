/**
 * The networks: the bottleneck ResNet backbone, its stages for every variant (DLA-L, DLA-B, MRLA-L,
 * LII, plain), and the {@link ai.dla.resnet.DlaResNet} builder.
 */
package ai.dla.resnet;
