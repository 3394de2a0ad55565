/**
 * The first screen's example prompts: sentences of the caption grammar the built-in model was trained on (a plain .ts
 * module so that test/studio-pages.test.ts can check that the model knows every word of each).
 */
export const EXAMPLES = [
  'a cat bounces on the beach',
  'two penguins move left in the snow',
  'a rocket rises quickly at night',
  'a dog chases a ball on the grass',
  'a donut melts in the desert',
  'a fish zigzags underwater, the camera zooms in',
];
