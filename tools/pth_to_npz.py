#!/usr/bin/env python3
"""Export a PyTorch checkpoint of the authors' DLA code to the .npz that `dla import` reads.

Usage:
    python3 tools/pth_to_npz.py CHECKPOINT.pth OUT.npz

The checkpoint may be a bare state_dict or a training checkpoint holding one under
'state_dict' or 'model'. Every tensor is written as a float32 array named by its key;
`num_batches_tracked` counters are dropped and a DataParallel 'module.' prefix is kept
(the importer strips it). Needs torch and numpy.
"""
import sys

import numpy as np
import torch


def state_dict_of(checkpoint):
    """Returns the state dict inside a loaded checkpoint."""
    for key in ("state_dict", "model"):
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            return checkpoint[key]
    if isinstance(checkpoint, dict):
        return checkpoint
    raise SystemExit("pth_to_npz: the file holds no state dict (a dict of tensors)")


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__)
    checkpoint = torch.load(argv[1], map_location="cpu")
    arrays = {
        key: value.detach().to(torch.float32).numpy()
        for key, value in state_dict_of(checkpoint).items()
        if torch.is_tensor(value) and not key.endswith("num_batches_tracked")
    }
    if not arrays:
        raise SystemExit("pth_to_npz: no tensors found in " + argv[1])
    np.savez(argv[2], **arrays)
    print(f"wrote {len(arrays)} arrays to {argv[2]}")


if __name__ == "__main__":
    main(sys.argv)
