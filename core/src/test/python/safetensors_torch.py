"""Minimal safetensors reader/writer for torch tensors, using only json/struct/numpy.

Reference helper for cross-checks against the Java io.igdstream.core.io.Safetensors (the
`safetensors` package is not installed). Format: 8-byte little-endian header length N, N bytes of
UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
then the little-endian, row-major, contiguous data buffer.

    tensors, metadata = load("w.safetensors")
    save("out.safetensors", {"logits": t}, {"producer": "python"})
"""
import json
import struct

import numpy as np
import torch

# header dtype -> (little-endian numpy dtype to read the bytes as, torch dtype of the result)
# BF16 has no numpy type: its bytes are read as int16 and reinterpreted with Tensor.view.
_DTYPES = {
    "F64": ("<f8", torch.float64),
    "F32": ("<f4", torch.float32),
    "F16": ("<f2", torch.float16),
    "BF16": ("<i2", torch.bfloat16),
    "I64": ("<i8", torch.int64),
    "I32": ("<i4", torch.int32),
    "I16": ("<i2", torch.int16),
    "I8": ("i1", torch.int8),
    "U8": ("u1", torch.uint8),
    "BOOL": ("?", torch.bool),
}
_NAMES = {torch_dtype: name for name, (_, torch_dtype) in _DTYPES.items()}


def load(path):
    """Returns ({name: torch.Tensor} in header order, {metadata key: value})."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    buf = raw[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        np_dtype, torch_dtype = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        arr = np.frombuffer(buf[begin:end], dtype=np.dtype(np_dtype)).copy()
        t = torch.from_numpy(arr)
        if torch_dtype == torch.bfloat16:
            t = t.view(torch.bfloat16)
        tensors[name] = t.reshape(info["shape"])
    return tensors, metadata


def save(path, tensors, metadata=None):
    """Writes {name: torch.Tensor} (in dict order) and optional {str: str} metadata."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        dtype = _NAMES[t.dtype]
        raw_t = t.view(torch.int16) if t.dtype == torch.bfloat16 else t
        data = raw_t.numpy().astype(np.dtype(_DTYPES[dtype][0]), copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * (-len(js) % 8)  # pad with spaces so the data buffer is 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for c in chunks:
            f.write(c)
