/**
 * The words of the world: every concept with at least three phrasings. The caption grammar writes with
 * these and the parser reads with them, so a caption always parses back to the labels it was made from.
 */
import type { Background, Camera, Effect, Motion, Speed } from './vocabulary.js';

/** A noun phrase with its plural (counts 2 and 3 use the plural). */
export interface Noun {
  one: string;
  many: string;
}
/** A verb phrase in third person singular and plural ("bounces" / "bounce"). */
export interface Verb {
  one: string;
  many: string;
}

const n = (one: string, many = `${one}s`): Noun => ({ one, many });
/** Builds a verb phrase from its singular form: "moves left" → "move left", "zigzags" → "zigzag". */
const v = (one: string, many?: string): Verb => ({ one, many: many ?? toPlural(one) });
function toPlural(phrase: string): string {
  const [head, ...rest] = phrase.split(' ');
  let base = head!;
  if (base === 'is') base = 'are';
  else if (base === 'gets') base = 'get';
  else if (/(ss|sh|ch|x|zz)es$/.test(base)) base = base.slice(0, -2);
  else if (/[^aeiou]ies$/.test(base)) base = base.slice(0, -3) + 'y';
  else if (base.endsWith('s')) base = base.slice(0, -1);
  return [base, ...rest].join(' ');
}

export const OBJECT_WORDS: Record<string, Noun[]> = {
  cat: [n('cat'), n('kitty', 'kitties'), n('kitten')],
  dog: [n('dog'), n('puppy', 'puppies'), n('doggy', 'doggies')],
  fox: [n('fox', 'foxes'), n('red fox', 'red foxes'), n('little fox', 'little foxes')],
  rabbit: [n('rabbit'), n('bunny', 'bunnies'), n('hare')],
  frog: [n('frog'), n('green frog'), n('toad')],
  panda: [n('panda'), n('panda bear'), n('giant panda')],
  pig: [n('pig'), n('piglet'), n('piggy', 'piggies')],
  chick: [n('chick'), n('baby chick'), n('little bird')],
  penguin: [n('penguin'), n('emperor penguin'), n('little penguin')],
  fish: [n('fish', 'fish'), n('tropical fish', 'tropical fish'), n('goldfish', 'goldfish')],
  octopus: [n('octopus', 'octopuses'), n('red octopus', 'red octopuses'), n('squid', 'squids')],
  turtle: [n('turtle'), n('tortoise', 'tortoises'), n('sea turtle')],
  butterfly: [n('butterfly', 'butterflies'), n('blue butterfly', 'blue butterflies'), n('moth', 'moths')],
  ladybug: [n('ladybug'), n('ladybird'), n('beetle')],
  apple: [n('apple'), n('red apple'), n('shiny apple')],
  banana: [n('banana'), n('yellow banana'), n('ripe banana')],
  strawberry: [n('strawberry', 'strawberries'), n('berry', 'berries'), n('red berry', 'red berries')],
  watermelon: [n('watermelon'), n('melon'), n('watermelon slice')],
  cake: [n('cake'), n('birthday cake'), n('cupcake')],
  donut: [n('donut'), n('doughnut'), n('glazed donut')],
  pizza: [n('pizza'), n('slice of pizza', 'slices of pizza'), n('pizza slice')],
  balloon: [n('balloon'), n('red balloon'), n('party balloon')],
  ball: [n('ball'), n('soccer ball'), n('football')],
  car: [n('car'), n('red car'), n('automobile')],
  rocket: [n('rocket'), n('spaceship'), n('space rocket')],
  star: [n('star'), n('yellow star'), n('golden star')],
  heart: [n('heart'), n('red heart'), n('love heart')],
  sunflower: [n('sunflower'), n('tall sunflower'), n('sunflower plant')],
  tree: [n('tree'), n('oak tree'), n('leafy tree')],
  umbrella: [n('umbrella'), n('blue umbrella'), n('parasol')],
  ghost: [n('ghost'), n('little ghost'), n('spooky ghost')],
  robot: [n('robot'), n('toy robot'), n('droid')],
};

export const MOTION_WORDS: Record<Motion, Verb[]> = {
  left: [v('moves left'), v('goes to the left', 'go to the left'), v('slides to the left'), v('heads left')],
  right: [v('moves right'), v('goes to the right', 'go to the right'), v('slides to the right'), v('heads right')],
  up: [v('moves up'), v('rises', 'rise'), v('floats upward'), v('goes up', 'go up')],
  down: [v('moves down'), v('sinks'), v('drops down'), v('goes down', 'go down')],
  up_left: [v('moves up and to the left'), v('drifts diagonally up and left'), v('glides toward the upper left')],
  up_right: [v('moves up and to the right'), v('drifts diagonally up and right'), v('glides toward the upper right')],
  down_left: [v('moves down and to the left'), v('drifts diagonally down and left'), v('glides toward the lower left')],
  down_right: [v('moves down and to the right'), v('drifts diagonally down and right'), v('glides toward the lower right')],
  bounce: [v('bounces', 'bounce'), v('bounces up and down', 'bounce up and down'), v('keeps bouncing')],
  jump: [v('jumps'), v('leaps'), v('hops once'), v('makes a big jump')],
  circle: [v('moves in a circle'), v('circles around', 'circle around'), v('goes round in circles', 'go round in circles'), v('loops around')],
  zigzag: [v('zigzags'), v('moves in a zigzag'), v('weaves from side to side', 'weave from side to side')],
  spin: [v('spins'), v('rotates', 'rotate'), v('turns around and around'), v('twirls')],
  grow: [v('grows'), v('gets bigger'), v('grows larger'), v('becomes bigger', 'become bigger')],
  shrink: [v('shrinks'), v('gets smaller'), v('becomes tiny', 'become tiny')],
  stay: [v('stays still'), v('sits still'), v('stands still'), v('rests')],
  chases: [v('chases', 'chase'), v('is chasing'), v('runs after')],
  follows: [v('follows'), v('trails behind'), v('walks behind')],
  meets: [v('meets'), v('walks toward'), v('comes together with', 'come together with')],
};

export const SPEED_WORDS: Record<Speed, string[]> = {
  slow: ['slowly', 'at a slow pace', 'gently'],
  // Normal speed is usually left unsaid; these phrasings say it when the grammar chooses to.
  normal: ['steadily', 'at a normal pace', 'at an even pace'],
  fast: ['quickly', 'at high speed', 'rapidly'],
};

export const BACKGROUND_WORDS: Record<Background, string[]> = {
  sky: ['in the sky', 'in a blue sky', 'among the clouds'],
  sunset: ['at sunset', 'under a sunset sky', 'at dusk'],
  night: ['at night', 'under the night sky', 'under the stars'],
  grass: ['on the grass', 'in a grassy meadow', 'on a green lawn'],
  beach: ['on the beach', 'by the sea', 'at the seaside'],
  snow: ['in the snow', 'on a snowy field', 'in a winter landscape'],
  desert: ['in the desert', 'on the desert sand', 'among the dunes'],
  underwater: ['underwater', 'under the sea', 'in the ocean depths'],
  forest: ['in the forest', 'in the woods', 'among tall pines'],
  city: ['in the city', 'on a city street', 'downtown'],
};

export const EFFECT_WORDS: Record<Exclude<Effect, 'none'>, Verb[]> = {
  squish: [v('gets squished'), v('is squashed flat'), v('gets pressed flat')],
  inflate: [v('inflates'), v('puffs up', 'puff up'), v('swells up')],
  melt: [v('melts'), v('melts away'), v('turns into a puddle')],
  explode: [v('explodes'), v('blows apart', 'blow apart'), v('bursts into pieces', 'burst into pieces')],
  dizzy: [v('spins dizzily'), v('gets dizzy'), v('whirls around dizzily', 'whirl around dizzily')],
  bloom: [v('blooms with flowers', 'bloom with flowers'), v('is surrounded by blossoms'), v('bursts into bloom', 'burst into bloom')],
  fluffy: [v('turns fluffy'), v('becomes fuzzy', 'become fuzzy'), v('gets all fluffy')],
};

export const CAMERA_WORDS: Record<Exclude<Camera, 'none'>, string[]> = {
  pan_left: ['the camera pans left', 'camera panning to the left', 'with a pan to the left'],
  pan_right: ['the camera pans right', 'camera panning to the right', 'with a pan to the right'],
  tilt_up: ['the camera tilts up', 'camera tilting upward', 'with an upward tilt'],
  tilt_down: ['the camera tilts down', 'camera tilting downward', 'with a downward tilt'],
  zoom_in: ['the camera zooms in', 'camera zooming in', 'with a slow zoom in'],
  zoom_out: ['the camera zooms out', 'camera zooming out', 'with a slow zoom out'],
};

export const COUNT_WORDS: Record<1 | 2 | 3, string[]> = {
  1: ['a', 'one', 'the'],
  2: ['two', 'a pair of', '2'],
  3: ['three', 'a trio of', '3'],
};
