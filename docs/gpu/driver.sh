#!/usr/bin/env bash
# Detached driver: x2 from scratch; x3 and x4 fine-tuned from x2 once it has a checkpoint.
# Each scale: constant lr, then two halvings, each phase ended gracefully by --max-minutes.
T=/opt/torch/.venv/lib/python3.12/site-packages
export LD_LIBRARY_PATH=$T/torch/lib:$T/nvidia/cu13/lib:$T/nvidia/cudnn/lib:$T/nvidia/nccl/lib:$T/nvidia/cusparselt/lib:$T/nvidia/nvshmem/lib
export DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/bx PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
B=$PWD/.gpu/trainer/MLNet.SuperRes.Trainer
D=$PWD/.gpu/data
R=/tmp/runs
mkdir -p $R
iter() { grep -o '"iteration": [0-9]*' $R/$1/latest/state.json | grep -o '[0-9]*$'; }
scale_run() { # name scale init m1 m2 m3
  local n=$1 s=$2 init=$3
  $B train --data $D/T91,$D/BSD200 --val $D/Set5 --scale $s --out $R/$n --n-resgroups 4 --n-resblocks 4 --n-feats 64 --topk 128 \
    --patch-size 48 --batch-size 16 --lr 2e-4 --iterations 1000000 --decay-steps 1000000 --val-every 1000 --log-every 200 \
    --device cuda --loader-threads 5 --max-minutes $4 $init >> $R/$n.log 2>&1
  local a=$(iter $n)
  $B train --resume $R/$n --decay-steps $a --max-minutes $5 >> $R/$n.log 2>&1
  local b=$(iter $n)
  $B train --resume $R/$n --decay-steps $a,$b --max-minutes $6 >> $R/$n.log 2>&1
  echo "done $n" >> $R/$n.log
}
scale_run x2 2 "" 12.5 4 2.5 &
sleep 360
scale_run x3 3 "--init $R/x2/latest/model.safetensors" 6 4 2.5 &
scale_run x4 4 "--init $R/x2/latest/model.safetensors" 6 4 2.5 &
wait
