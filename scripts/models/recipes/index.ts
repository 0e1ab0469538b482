/** Every model `npm run models:build` makes, in build order. Add a recipe here to build it. */
import type { Recipe } from '../recipe';
import blazefaceBack from './blazeface-back';
import dlibResnetFace from './dlib-resnet-face';
import mobilenetv2Imagenet from './mobilenetv2-imagenet';

export const RECIPES: readonly Recipe[] = [mobilenetv2Imagenet, blazefaceBack, dlibResnetFace];
