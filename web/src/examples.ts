/**
 * The first screen's example prompts: sentences of the caption grammar the built-in model was trained on, and the
 * same scenes as a Chinese speaker would write them (the normaliser, src/world/normalise.ts, reads them into the same
 * captions). A plain .ts module so that test/studio-pages.test.ts can check that the model reads every word of each.
 */
export const EXAMPLES = [
  'a cat bounces on the beach',
  'two penguins move left in the snow',
  'a rocket rises quickly at night',
  'a dog chases a ball on the grass',
  'a donut melts in the desert',
  'a fish zigzags underwater, the camera zooms in',
];

export const EXAMPLES_ZH = [
  '一只猫在海滩上弹跳',
  '两只企鹅在雪地里向左走',
  '一枚火箭在夜空中快速升起',
  '一只小狗在草地上追着一个球',
  '一个甜甜圈在沙漠里融化',
  '一条鱼在水下左右穿梭，镜头拉近',
];
