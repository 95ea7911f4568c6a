#!/usr/bin/env bash
# Usage: finetune.sh MINUTES: fine-tunes x2, x3, x4 side by side on the GPU, data in /tmp/d (stashed by
# an earlier call), each from .gpu/models/xS.safetensors when present, else from the committed default
# model (the trainer reads our ONNX export as a checkpoint). Copies each run's best weights and its
# optimizer state to $OUT (7 files: with the weights, optimizer.bin and state.json in RUN/latest/,
# `train --resume RUN` continues exactly), and the logs.
T=/opt/torch/.venv/lib/python3.12/site-packages
export LD_LIBRARY_PATH=$T/torch/lib:$T/nvidia/cu13/lib:$T/nvidia/cudnn/lib:$T/nvidia/nccl/lib:$T/nvidia/cusparselt/lib:$T/nvidia/nvshmem/lib
export DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/bx PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
B=$PWD/.gpu/trainer/MLNet.SuperRes.Trainer; D=/tmp/d; R=/tmp/ft
mkdir -p $R
for s in 2 3 4; do
  init=.gpu/models/x$s.safetensors; [ -f $init ] || init=src/MLNet.SuperRes/Models/hspan-x$s.onnx
  $B train --data $D/T91,$D/BSD200 --val $D/Set5 --scale $s --out $R/x$s --init $init \
    --n-resgroups 4 --n-resblocks 4 --n-feats 64 --topk 128 --patch-size 48 --batch-size 32 \
    --lr 5e-5 --iterations 100000 --decay-steps 1200 --val-every 400 --log-every 200 \
    --device cuda --loader-threads 4 --max-minutes $1 > $R/x$s.log 2>&1 &
done
wait
nvidia-smi --query-gpu=name,utilization.gpu,memory.used --format=csv,noheader
for s in 2 3 4; do
  grep -E "validation|Initialised|^train:|error|Error|Exception" $R/x$s.log | tail -n 8; grep "^iter" $R/x$s.log | tail -n 1
  cp $R/x$s/best/model.safetensors $OUT/x$s.safetensors && cp $R/x$s/best/optimizer.bin $OUT/x$s.optimizer.bin
  cp $R/x$s/best/state.json $R/x$s.state.json
done
tar czf $OUT/logs.tgz -C $R x2.log x3.log x4.log x2.state.json x3.state.json x4.state.json
