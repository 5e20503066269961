#!/usr/bin/python3
"""Converts brainchop's MindGrab (tfjs layers model) to ONNX, plus manifest.json.

Usage (from the repository root, Debian's python3-onnx + python3-numpy):

    /usr/bin/python3 models/mindgrab/convert.py [SOURCE_DIR] [OUT_DIR]

SOURCE_DIR defaults to ../shared/models/mindgrab (model.json + model.bin from
github neuroneural/brainchop, commit 4c87885, public/models/mindgrab); OUT_DIR to this folder.

What the graph computes (the arithmetic of brainchop's tfjs path, runFullVolumeInference):
  25 x [Conv3D 3x3x3, dilation d, 'same' padding, no bias
        -> instance normalisation (brainchop applies it OUTSIDE the layer definitions to every
           layer whose name ends in "_gn": tf.moments over the spatial axes, eps 1e-5, no affine;
           tensor-utils.js LayerNormInPlace)
        -> GELU (tfjs 'gelu': 0.5 x (1 + erf(x / sqrt 2)))]
  then Conv3D 1x1x1 with bias -> 2 logits (0 = background, 1 = brain); argmax is left to the caller.

Axis order. brainchop stacks the conformed volume as a [k][j][i] tensor (one tensor row per
NIfTI slice) and transposes it (enableTranspose) to (i, j, k) before the network, so the tfjs
kernels' first spatial axis runs along i. Our volumes are i-fastest, i.e. the natural ONNX input
is [1, 1, k, j, i]. Rather than transposing 10 M voxels at run time we permute each kernel's
spatial axes instead (tfjs [kd, kh, kw, in, out] -> ONNX [out, in, kw, kh, kd]): the same
multiply-adds in the same places, and instance norm is per channel over all voxels, so it does not
care about axis order. The parity test (test/unit/prepare/brainModelParity.test.ts) feeds tfjs
the transposed input and compares.
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'shared', 'models', 'mindgrab'))
SOURCE_COMMIT = '4c87885'
SOURCE_URL = 'https://github.com/neuroneural/brainchop/tree/4c87885/public/models/mindgrab'
OPSET = 13
INSTANCE_NORM_EPS = 1e-5
CITATION = ('Masoud M, Hu F, Plis S (2023). Brainchop: In-browser MRI volumetric segmentation and '
            'rendering. Journal of Open Source Software 8(83), 5098. '
            'https://doi.org/10.21105/joss.05098')


def load_tfjs(source):
    """Returns (layers config list, {weight name: ndarray})."""
    with open(os.path.join(source, 'model.json'), encoding='utf8') as f:
        model = json.load(f)
    layers = model['modelTopology']['model_config']['config']['layers']
    weights = {}
    for group in model['weightsManifest']:
        blob = b''.join(open(os.path.join(source, p), 'rb').read() for p in group['paths'])
        offset = 0
        for spec in group['weights']:
            if spec['dtype'] != 'float32':
                raise SystemExit(f"unsupported weight dtype {spec['dtype']} for {spec['name']}")
            n = int(np.prod(spec['shape']))
            weights[spec['name']] = np.frombuffer(blob, '<f4', n, offset).reshape(spec['shape'])
            offset += 4 * n
        if offset != len(blob):
            raise SystemExit(f'weights manifest covers {offset} of {len(blob)} bytes')
    return layers, weights


def build_graph(layers, weights):
    nodes, inits = [], []
    x = 'input'
    conv_count = 0
    sqrt2 = numpy_helper.from_array(np.array(np.sqrt(2.0), np.float32), 'sqrt2')
    half = numpy_helper.from_array(np.array(0.5, np.float32), 'half')
    one = numpy_helper.from_array(np.array(1.0, np.float32), 'one')
    inits += [sqrt2, half, one]
    ones15 = zeros15 = None
    for layer in layers:
        cls, cfg = layer['class_name'], layer['config']
        name = cfg['name']
        if cls == 'InputLayer':
            continue
        if cls == 'Conv3D':
            if cfg['data_format'] != 'channels_last' or cfg['padding'] != 'same':
                raise SystemExit(f'{name}: unexpected conv config')
            if cfg['strides'] != [1, 1, 1] or len(set(cfg['dilation_rate'])) != 1:
                raise SystemExit(f'{name}: unexpected strides/dilation')
            k = weights[f'{name}/kernel']  # [kd, kh, kw, in, out]
            ks = k.shape[0]
            d = cfg['dilation_rate'][0]
            w = np.ascontiguousarray(k.transpose(4, 3, 2, 1, 0)).astype(np.float32)
            inputs = [x, f'{name}.weight']
            inits.append(numpy_helper.from_array(w, f'{name}.weight'))
            if cfg['use_bias']:
                inits.append(numpy_helper.from_array(weights[f'{name}/bias'].astype(np.float32), f'{name}.bias'))
                inputs.append(f'{name}.bias')
            pad = d * (ks - 1) // 2  # 'same' for an odd kernel
            out = 'logits' if name == 'output' else f'{name}.conv'
            nodes.append(helper.make_node('Conv', inputs, [out], name=name, dilations=[d] * 3,
                                          pads=[pad] * 6, kernel_shape=[ks] * 3, strides=[1, 1, 1]))
            x = out
            conv_count += 1
            if cfg['activation'] != 'linear':
                raise SystemExit(f'{name}: fused activation {cfg["activation"]} not handled')
            if name.endswith('_gn'):
                c = cfg['filters']
                if ones15 is None:
                    ones15 = numpy_helper.from_array(np.ones(c, np.float32), 'in_scale')
                    zeros15 = numpy_helper.from_array(np.zeros(c, np.float32), 'in_bias')
                    inits += [ones15, zeros15]
                nodes.append(helper.make_node('InstanceNormalization', [x, 'in_scale', 'in_bias'],
                                              [f'{name}.norm'], name=f'{name}_instancenorm',
                                              epsilon=INSTANCE_NORM_EPS))
                x = f'{name}.norm'
        elif cls == 'Activation':
            if cfg['activation'] != 'gelu':
                raise SystemExit(f'{name}: activation {cfg["activation"]} not handled')
            nodes += [
                helper.make_node('Div', [x, 'sqrt2'], [f'{name}.div'], name=f'{name}_div'),
                helper.make_node('Erf', [f'{name}.div'], [f'{name}.erf'], name=f'{name}_erf'),
                helper.make_node('Add', [f'{name}.erf', 'one'], [f'{name}.add'], name=f'{name}_add'),
                helper.make_node('Mul', [x, f'{name}.add'], [f'{name}.mul'], name=f'{name}_mul'),
                helper.make_node('Mul', [f'{name}.mul', 'half'], [f'{name}.out'], name=f'{name}_half'),
            ]
            x = f'{name}.out'
        else:
            raise SystemExit(f'layer class {cls} not handled')
    if x != 'logits':
        raise SystemExit('the last layer is not the 1x1x1 output convolution')
    graph = helper.make_graph(
        nodes, 'mindgrab',
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, 1, 'k', 'j', 'i'])],
        [helper.make_tensor_value_info('logits', TensorProto.FLOAT, [1, 2, 'k', 'j', 'i'])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)],
                              producer_name='metakd-review models/mindgrab/convert.py')
    model.ir_version = 8  # readable by onnxruntime >= 1.10
    onnx.checker.check_model(model)
    return model, conv_count


def receptive_field(layers):
    """Receptive field (voxels) of the stacked dilated convolutions."""
    rf = 1
    for layer in layers:
        cfg = layer['config']
        if layer['class_name'] == 'Conv3D':
            rf += (cfg['kernel_size'][0] - 1) * cfg['dilation_rate'][0]
    return rf


def main():
    source = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    out_dir = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else HERE
    layers, weights = load_tfjs(source)
    model, convs = build_graph(layers, weights)
    onnx_path = os.path.join(out_dir, 'model.onnx')
    data = model.SerializeToString()
    with open(onnx_path, 'wb') as f:
        f.write(data)
    params = int(sum(w.size for w in weights.values()))
    manifest = {
        'schemaVersion': 1,
        'name': 'mindgrab',
        'task': 'brain-extraction',
        'graph': {'path': 'model.onnx', 'sha256': hashlib.sha256(data).hexdigest(), 'bytes': len(data),
                  'opset': OPSET, 'input': 'input', 'output': 'logits',
                  'layout': '[1, 1, k, j, i] of the conformed LIA grid (i fastest)'},
        'input': {
            'conform': 'niivue conform (as brainchop calls it): 256^3 voxels at 1 mm, LIA, trilinear, '
                       'centre of the input volume at voxel (128,128,128); uint8 = clamp(255 * (v - min) '
                       '/ (p99.9 of nonzero - min)), histogram of 1000 bins',
            'normalisation': 'quantile: (v - q05) / (q95 - q05) over the whole conformed cube, no clip',
            'crop': 'box of voxels > 0.5 x max(normalised), plus 20 voxels, clamped to the cube',
            'axisOrder': 'kernels permuted so the graph takes i-fastest data; equals brainchop transposing '
                         'its [k][j][i] tensor to (i, j, k)',
            'spacingMm': 1,
        },
        'output': {'classes': ['background', 'brain'], 'postprocess': 'argmax, largest 26-connected component'},
        'parameters': params,
        'convolutions': convs,
        'receptiveFieldVoxels': receptive_field(layers),
        'source': {'repository': 'github.com/neuroneural/brainchop', 'commit': SOURCE_COMMIT, 'url': SOURCE_URL,
                   'files': {n: hashlib.sha256(open(os.path.join(source, n), 'rb').read()).hexdigest()
                             for n in ('model.json', 'model.bin')}},
        'licence': {'name': 'MIT', 'file': 'LICENSE', 'holder': 'Copyright (c) 2021 neuroneural/brainchop'},
        'citation': CITATION,
        'convertedBy': 'models/mindgrab/convert.py',
    }
    with open(os.path.join(out_dir, 'manifest.json'), 'w', encoding='utf8') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f'wrote {onnx_path} ({len(data)} bytes, {convs} convolutions, {params} parameters, '
          f'receptive field {receptive_field(layers)} voxels)')


if __name__ == '__main__':
    main()
