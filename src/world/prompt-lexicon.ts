/**
 * The words people write for the world's concepts, beyond the caption grammar (lexicon.ts): English synonyms,
 * particle verbs and negations, and Chinese phrasings (Kling's users write Chinese). The normaliser (normalise.ts)
 * reads a prompt with these and rewrites it in the grammar, the only language kineo-mini's text encoder knows.
 *
 * English phrasings are written in their base form: the normaliser stems words (spinning/spun/spins → spin) and
 * drops filler words (a, the, in, on, to, …) on both sides, so "keeps spinning on the ice" and "spins in the snow"
 * meet. Chinese has no spaces: phrasings are matched character by character, longest first, so "海龟" wins over
 * "龟" and "镜头向左平移" over "向左".
 */
import type { Background, Camera, Effect, Motion, Speed } from './vocabulary.js';

export type ConceptKind = 'object' | 'count' | 'motion' | 'speed' | 'background' | 'effect' | 'camera';

export interface PhraseTable {
  object: Record<string, string[]>;
  count: Record<'1' | '2' | '3', string[]>;
  motion: Partial<Record<Motion, string[]>>;
  speed: Record<Speed, string[]>;
  background: Record<Background, string[]>;
  effect: Record<Exclude<Effect, 'none'>, string[]>;
  camera: Record<Exclude<Camera, 'none'>, string[]>;
}

/** Verbs of going somewhere; each pairs with every direction below ("swims right", "drives to the left"). */
const GOING = [
  'move', 'go', 'run', 'walk', 'slide', 'head', 'travel', 'drift', 'glide', 'swim', 'fly', 'roll', 'crawl', 'float',
  'sail', 'drive', 'race', 'dash', 'scurry', 'waddle', 'march', 'wander', 'stroll', 'cruise', 'hurry', 'rush', 'skate',
  'paddle', 'sprint', 'trot', 'flutter', 'creep', 'hop along', 'speed', 'zip', 'scoot', 'shift',
];
const DIRECTIONS: Record<'left' | 'right' | 'up' | 'down' | 'up_left' | 'up_right' | 'down_left' | 'down_right', string[]> = {
  left: ['left', 'leftward', 'leftwards', 'toward left', 'left side', 'from right to left', 'west', 'westward'],
  right: ['right', 'rightward', 'rightwards', 'toward right', 'right side', 'from left to right', 'east', 'eastward'],
  up: ['up', 'upward', 'upwards', 'skyward', 'toward top', 'higher'],
  down: ['down', 'downward', 'downwards', 'toward bottom', 'lower'],
  up_left: ['up left', 'upper left', 'top left', 'diagonally up left', 'left up', 'northwest', 'up to left', 'toward upper left'],
  up_right: ['up right', 'upper right', 'top right', 'diagonally up right', 'right up', 'northeast', 'up to right', 'toward upper right'],
  down_left: ['down left', 'lower left', 'bottom left', 'diagonally down left', 'left down', 'southwest', 'down to left', 'toward lower left'],
  down_right: ['down right', 'lower right', 'bottom right', 'diagonally down right', 'right down', 'southeast', 'down to right', 'toward lower right'],
};
const NOT_ALONE = new Set(['left', 'right', 'up', 'down', 'lower', 'higher', 'west', 'east', 'westward', 'eastward', 'left side', 'right side', 'up high', 'down low']);
// "toward the bottom left", "down to the lower right": the same directions with their usual lead-ins
for (const [dir, forms] of Object.entries(DIRECTIONS) as [keyof typeof DIRECTIONS, string[]][]) {
  const lead = dir.startsWith('up_') ? 'up' : dir.startsWith('down_') ? 'down' : undefined;
  const extra = forms.filter((d) => !d.startsWith('toward')).map((d) => `toward ${d}`);
  if (lead) extra.push(...forms.filter((d) => /^(upper|lower|top|bottom)/.test(d)).map((d) => `${lead} ${d}`));
  forms.push(...extra.filter((d) => !forms.includes(d)));
}
/** Verbs that already say up or down: with a side they make a diagonal ("soars to the right" goes up and right). */
const RISING = ['rise', 'ascend', 'climb', 'soar', 'lift'];
const FALLING = ['sink', 'fall', 'descend', 'drop', 'dive', 'plunge', 'tumble'];
const vertical = (verbs: string[], dir: keyof typeof DIRECTIONS, side?: 'left' | 'right'): string[] =>
  verbs.flatMap((v) => [...(side ? DIRECTIONS[side] : []), ...DIRECTIONS[dir]].map((d) => `${v} ${d}`));
const directional = (dir: keyof typeof DIRECTIONS, alone: string[]): string[] => [
  ...alone,
  // a direction alone is a motion only when it cannot be a position or a compass word ("on the left side", "west")
  ...DIRECTIONS[dir].filter((d) => !NOT_ALONE.has(d)),
  ...GOING.flatMap((verb) => DIRECTIONS[dir].map((d) => `${verb} ${d}`)),
];

export const ENGLISH: PhraseTable = {
  object: {
    cat: ['cat', 'kitty', 'kitten', 'feline', 'tabby', 'pussycat', 'kitty cat'],
    dog: ['dog', 'puppy', 'pup', 'doggy', 'doggie', 'hound', 'pooch', 'canine'],
    fox: ['fox', 'red fox', 'vixen'],
    rabbit: ['rabbit', 'bunny', 'hare', 'bunny rabbit'],
    frog: ['frog', 'toad', 'froggy'],
    panda: ['panda', 'panda bear', 'giant panda'],
    pig: ['pig', 'piglet', 'piggy', 'hog', 'swine'],
    chick: ['chick', 'baby chick', 'chicken', 'baby bird', 'little bird', 'birdie', 'chickadee'],
    penguin: ['penguin', 'emperor penguin'],
    fish: ['fish', 'goldfish', 'tropical fish', 'fishy'],
    octopus: ['octopus', 'squid', 'octopi'],
    turtle: ['turtle', 'tortoise', 'sea turtle', 'terrapin'],
    butterfly: ['butterfly', 'moth'],
    ladybug: ['ladybug', 'ladybird', 'beetle', 'lady bug'],
    apple: ['apple'],
    banana: ['banana'],
    strawberry: ['strawberry', 'berry'],
    watermelon: ['watermelon', 'melon', 'water melon'],
    cake: ['cake', 'cupcake', 'birthday cake'],
    donut: ['donut', 'doughnut'],
    pizza: ['pizza', 'pizza slice', 'slice of pizza'],
    balloon: ['balloon', 'party balloon', 'hot air balloon'],
    ball: ['ball', 'soccer ball', 'football', 'beach ball', 'basketball'],
    car: ['car', 'automobile', 'vehicle', 'auto', 'sedan', 'race car', 'racing car'],
    rocket: ['rocket', 'spaceship', 'space ship', 'spacecraft', 'space rocket', 'rocket ship'],
    star: ['star', 'golden star'],
    heart: ['heart', 'love heart', 'heart shape'],
    sunflower: ['sunflower', 'sun flower'],
    tree: ['tree', 'oak', 'oak tree'],
    umbrella: ['umbrella', 'parasol', 'brolly'],
    ghost: ['ghost', 'spirit', 'phantom', 'spook', 'ghostie'],
    robot: ['robot', 'droid', 'android', 'bot', 'robo'],
  },
  count: {
    1: ['one', 'single', 'lone', 'solitary', 'just one', 'only one', '1'],
    2: ['two', 'pair', 'couple', '2', 'twin', 'both', 'duo'],
    3: ['three', 'trio', '3', 'several', 'few', 'many', 'group', 'bunch', 'lots', 'lot', 'handful'],
  },
  motion: {
    left: directional('left', []),
    right: directional('right', []),
    up: directional('up', [...vertical(RISING, 'up'), 'rise', 'ascend', 'climb', 'soar', 'lift off', 'take off', 'levitate', 'float up', 'go up', 'launch', 'blast off', 'rise up']),
    down: directional('down', [...vertical(FALLING, 'down'), 'sink', 'fall', 'descend', 'drop', 'plunge', 'dive', 'plummet', 'fall down', 'come down', 'sink down', 'drop down']),
    up_left: [...directional('up_left', []), ...vertical(RISING, 'up_left', 'left')],
    up_right: [...directional('up_right', []), ...vertical(RISING, 'up_right', 'right')],
    down_left: [...directional('down_left', []), ...vertical(FALLING, 'down_left', 'left')],
    down_right: [...directional('down_right', []), ...vertical(FALLING, 'down_right', 'right')],
    bounce: ['bounce', 'bounce around', 'bouncy', 'hop up down', 'jump up down', 'bounce up down', 'bob up down', 'boing'],
    jump: ['jump', 'leap', 'hop', 'jump up', 'leap up', 'make big jump', 'take leap', 'spring up', 'jump once', 'hop once', 'pounce'],
    circle: ['circle', 'circle around', 'move circle', 'go round circle', 'go around circle', 'run circle', 'loop', 'loop around', 'orbit', 'go round', 'round round circle', 'circular path', 'move circular', 'swim circle', 'fly circle', 'run around circle', 'walk circle'],
    zigzag: ['zigzag', 'zig zag', 'weave side side', 'side side', 'swerve', 'slalom', 'weave', 'move zigzag', 'zigzag path'],
    spin: ['spin', 'rotate', 'twirl', 'whirl', 'turn around', 'spin around', 'pirouette', 'spin place', 'rotate place', 'turn around around', 'spin round', 'turn round round', 'revolve'],
    grow: ['grow', 'get bigger', 'grow larger', 'become bigger', 'enlarge', 'expand', 'get larger', 'grow bigger', 'scale up', 'increase size', 'grow big'],
    shrink: ['shrink', 'get smaller', 'become tiny', 'dwindle', 'scale down', 'get tiny', 'become smaller', 'grow smaller', 'contract', 'decrease size'],
    stay: ['stay still', 'sit still', 'stand still', 'rest', 'motionless', 'stationary', 'stay put', 'remain still', 'keep still', 'still', 'idle', 'not move', 'never move', 'no movement', 'without move', 'stand', 'sit', 'stay', 'remain', 'stand there', 'sit there', 'hold still', 'perfectly still', 'not moving'],
    chases: ['chase', 'run after', 'pursue', 'go after', 'hunt', 'chase after'],
    follows: ['follow', 'trail behind', 'walk behind', 'trail', 'tag along behind', 'come after', 'follow behind'],
    meets: ['meet', 'walk toward', 'come together with', 'approach', 'move toward', 'go toward', 'run toward', 'greet', 'come together', 'head toward', 'swim toward', 'fly toward'],
  },
  speed: {
    slow: ['slowly', 'slow', 'gently', 'leisurely', 'lazily', 'gradually', 'slow pace', 'unhurried', 'calmly', 'softly'],
    normal: ['steadily', 'normal pace', 'even pace', 'steady pace', 'moderate speed', 'moderately', 'normal speed', 'steady'],
    fast: ['quickly', 'fast', 'rapidly', 'high speed', 'swiftly', 'speedily', 'hurriedly', 'quick', 'speedy', 'full speed', 'top speed'],
  },
  background: {
    sky: ['sky', 'blue sky', 'cloud', 'cloudy sky', 'air', 'mid air', 'heaven', 'high up sky'],
    sunset: ['sunset', 'dusk', 'sundown', 'twilight', 'golden hour', 'evening', 'sunset sky', 'setting sun'],
    night: ['night', 'nighttime', 'night time', 'night sky', 'under star', 'starry sky', 'starry night', 'midnight', 'dark', 'moonlight', 'moonlit', 'darkness'],
    grass: ['grass', 'grassy', 'meadow', 'lawn', 'field', 'grassland', 'prairie', 'pasture', 'green field', 'park'],
    beach: ['beach', 'seaside', 'by sea', 'shore', 'seashore', 'coast', 'sandy beach', 'near sea', 'by ocean', 'near ocean', 'beside sea', 'sea shore', 'by water', 'near water'],
    snow: ['snow', 'snowy', 'winter', 'ice', 'icy', 'snowfield', 'snow field', 'frozen', 'ice snow', 'snow ice', 'snowy field', 'winter landscape', 'arctic', 'snowland'],
    desert: ['desert', 'dune', 'sand dune', 'desert sand', 'sahara', 'arid'],
    underwater: ['underwater', 'under water', 'under sea', 'sea', 'ocean', 'deep sea', 'deep under sea', 'seabed', 'sea floor', 'ocean floor', 'ocean depth', 'coral reef', 'reef', 'under ocean', 'water', 'beneath wave', 'below surface'],
    forest: ['forest', 'wood', 'woodland', 'jungle', 'pine', 'rainforest', 'rain forest'],
    city: ['city', 'street', 'downtown', 'town', 'urban', 'skyscraper', 'city street', 'building', 'road'],
  },
  effect: {
    squish: ['squish', 'squash', 'squash flat', 'press flat', 'flatten', 'smoosh', 'squeeze', 'get squished', 'crush', 'squished flat', 'pancake'],
    inflate: ['inflate', 'puff up', 'swell', 'swell up', 'balloon up', 'bloat', 'puff out', 'blow up like balloon', 'inflated'],
    melt: ['melt', 'melt away', 'melt down', 'turn into puddle', 'liquefy', 'dissolve', 'melty', 'melting'],
    explode: ['explode', 'blow apart', 'burst into piece', 'blow up', 'burst', 'shatter', 'blast apart', 'explosion', 'detonate', 'blow piece', 'break into piece'],
    dizzy: ['dizzy', 'get dizzy', 'spin dizzily', 'whirl dizzily', 'whirl around dizzily', 'feel dizzy', 'dazed', 'woozy', 'wobble dizzily', 'dizzily'],
    bloom: ['bloom', 'blossom', 'burst into bloom', 'surrounded by flower', 'surrounded by blossom', 'covered flower', 'flower bloom', 'bloom flower', 'flower around', 'flowers grow around'],
    fluffy: ['fluffy', 'turn fluffy', 'become fuzzy', 'get fluffy', 'fuzzy', 'furry', 'fluff up', 'grow fur', 'become fluffy', 'get all fluffy'],
  },
  camera: {
    pan_left: ['pan left', 'camera pan left', 'camera move left', 'camera slide left', 'camera track left', 'truck left', 'camera pan toward left', 'camera go left', 'camera swing left', 'pan toward left', 'leftward pan'],
    pan_right: ['pan right', 'camera pan right', 'camera move right', 'camera slide right', 'camera track right', 'truck right', 'camera pan toward right', 'camera go right', 'camera swing right', 'pan toward right', 'rightward pan'],
    tilt_up: ['tilt up', 'camera tilt up', 'tilt upward', 'upward tilt', 'camera look up', 'camera pan up', 'camera tilt upward', 'camera move up', 'pan up', 'camera rise'],
    tilt_down: ['tilt down', 'camera tilt down', 'tilt downward', 'downward tilt', 'camera look down', 'camera pan down', 'camera tilt downward', 'camera move down', 'pan down', 'camera lower'],
    zoom_in: ['zoom in', 'camera zoom in', 'push in', 'dolly in', 'camera move closer', 'camera move in', 'zoom closer', 'close in', 'camera push in', 'slow zoom in', 'zoom into'],
    zoom_out: ['zoom out', 'camera zoom out', 'pull back', 'pull out', 'dolly out', 'camera move away', 'camera pull back', 'zoom away', 'slow zoom out', 'camera back away'],
  },
};

/** Chinese measure words: a number and one of these is a count ("一只", "两条", "三个"). */
const MEASURES = ['只', '个', '枚', '条', '头', '匹', '辆', '架', '艘', '颗', '朵', '棵', '株', '把', '块', '片', '位', '尾', '台', '团', '粒', '支'];
const counted = (numbers: string[]) => numbers.flatMap((num) => MEASURES.map((m) => `${num}${m}`));
/** "镜头向左平移" and its kin: a camera word, then the move. */
const CAMERA_NOUNS = ['镜头', '摄像机', '相机', '画面', '机位'];
const withCamera = (moves: string[], alone: string[]) => [...alone, ...CAMERA_NOUNS.flatMap((c) => moves.flatMap((m) => [`${c}${m}`, `${c}缓缓${m}`, `${c}慢慢${m}`]))];

export const CHINESE: PhraseTable = {
  object: {
    cat: ['猫', '小猫', '猫咪', '小猫咪', '喵星人', '花猫', '橘猫'],
    dog: ['狗', '小狗', '狗狗', '小狗狗', '汪星人', '幼犬', '犬'],
    fox: ['狐狸', '小狐狸', '红狐', '红狐狸', '狐'],
    rabbit: ['兔子', '小兔', '小兔子', '白兔', '兔'],
    frog: ['青蛙', '小青蛙', '蛙', '癞蛤蟆', '蛤蟆'],
    panda: ['熊猫', '大熊猫', '小熊猫', '熊猫宝宝'],
    pig: ['猪', '小猪', '猪猪', '小猪仔', '猪仔'],
    chick: ['小鸡', '鸡仔', '雏鸡', '小鸡仔', '鸡', '小鸟', '鸟'],
    penguin: ['企鹅', '小企鹅', '帝企鹅'],
    fish: ['鱼', '小鱼', '金鱼', '热带鱼', '鱼儿'],
    octopus: ['章鱼', '八爪鱼', '鱿鱼', '小章鱼'],
    turtle: ['乌龟', '海龟', '小乌龟', '龟'],
    butterfly: ['蝴蝶', '蓝蝴蝶', '飞蛾', '小蝴蝶', '蝶'],
    ladybug: ['瓢虫', '七星瓢虫', '甲虫', '小瓢虫'],
    apple: ['苹果', '红苹果', '大苹果'],
    banana: ['香蕉', '黄香蕉', '一根香蕉'],
    strawberry: ['草莓', '红草莓', '莓果'],
    watermelon: ['西瓜', '西瓜片', '甜瓜', '哈密瓜'],
    cake: ['蛋糕', '生日蛋糕', '纸杯蛋糕', '小蛋糕'],
    donut: ['甜甜圈', '甜圈', '多拿滋', '面包圈'],
    pizza: ['披萨', '比萨', '匹萨', '披萨饼', '比萨饼'],
    balloon: ['气球', '红气球', '热气球', '小气球'],
    ball: ['球', '足球', '皮球', '小球', '篮球'],
    car: ['汽车', '小汽车', '轿车', '小车', '车子', '赛车', '车'],
    rocket: ['火箭', '飞船', '宇宙飞船', '太空船', '航天飞机'],
    star: ['星星', '五角星', '小星星', '星形'],
    heart: ['爱心', '红心', '心形', '桃心', '心'],
    sunflower: ['向日葵', '太阳花', '葵花'],
    tree: ['树', '大树', '橡树', '小树', '树木'],
    umbrella: ['伞', '雨伞', '阳伞', '小伞'],
    ghost: ['幽灵', '小幽灵', '鬼', '小鬼', '鬼魂'],
    robot: ['机器人', '小机器人', '玩具机器人', '机械人'],
  },
  count: {
    1: [...counted(['一', '1', '单']), '一', '独自'],
    2: [...counted(['两', '二', '2', '俩']), '一对', '一双', '两', '俩', '成双'],
    3: [...counted(['三', '3', '几', '好几', '许多', '很多']), '三', '一群', '几', '许多', '很多', '好几', '一些', '一堆'],
  },
  motion: {
    left: ['向左', '往左', '朝左', '向左移动', '往左走', '向左边', '往左边', '左移', '向左走', '从右往左', '从右向左', '向左游', '向左飞', '向左跑', '往左跑', '向左滑', '向左平移', '左平移'],
    right: ['向右', '往右', '朝右', '向右移动', '往右走', '向右边', '往右边', '右移', '向右走', '从左往右', '从左向右', '向右游', '向右飞', '向右跑', '往右跑', '向右滑', '向右平移', '右平移'],
    up: ['向上', '往上', '朝上', '上升', '升起', '升空', '飘起', '向上移动', '往上飘', '飞起', '飞上', '升上', '冉冉升起', '上浮', '腾空'],
    down: ['向下', '往下', '朝下', '下降', '下落', '落下', '坠落', '下沉', '沉下', '掉下', '掉落', '向下移动', '往下掉', '沉入', '降落', '落到', '落在', '落'],
    up_left: ['向左上', '往左上', '朝左上', '左上方', '向左上方', '往左上方', '左上'],
    up_right: ['向右上', '往右上', '朝右上', '右上方', '向右上方', '往右上方', '右上'],
    down_left: ['向左下', '往左下', '朝左下', '左下方', '向左下方', '往左下方', '左下'],
    down_right: ['向右下', '往右下', '朝右下', '右下方', '向右下方', '往右下方', '右下'],
    bounce: ['弹跳', '蹦蹦跳跳', '上下弹跳', '弹来弹去', '弹起', '蹦跳', '上下跳动', '蹦来蹦去', '弹弹跳跳'],
    jump: ['跳起', '跳跃', '跳一下', '跳起来', '一跃而起', '跳了一下', '跳', '跃起', '纵身一跃'],
    circle: ['转圈', '绕圈', '画圈', '兜圈', '绕圈圈', '做圆周运动', '绕着圈', '转圈圈', '绕圈子', '兜圈子', '打圈'],
    zigzag: ['之字形', 'z字形', '蛇形', '曲折前进', '走之字', 'z字', '左右穿梭', '蜿蜒前进', '之字'],
    spin: ['旋转', '自转', '转动', '打转', '转来转去', '原地旋转', '原地转', '不停地转', '转'],
    grow: ['变大', '长大', '越来越大', '变得更大', '胀大', '逐渐变大', '变大了'],
    shrink: ['变小', '缩小', '越来越小', '收缩', '变得更小', '逐渐变小', '缩小了'],
    stay: ['静止', '不动', '一动不动', '待着', '停着', '原地不动', '站着', '坐着', '静静地待着', '停在', '静静', '待在原地', '停留', '静止不动'],
    chases: ['追赶', '追逐', '追着', '追', '在追', '紧追'],
    follows: ['跟着', '跟随', '尾随', '跟在', '跟'],
    meets: ['相遇', '走向', '遇见', '碰面', '靠近', '走近', '迎向', '游向'],
  },
  speed: {
    slow: ['缓缓', '慢慢', '缓慢', '徐徐', '慢悠悠', '慢', '轻轻', '悠悠', '慢吞吞'],
    normal: ['匀速', '平稳', '稳稳', '不紧不慢', '正常速度'],
    fast: ['快速', '迅速', '飞快', '急速', '飞速', '快', '疾速', '高速', '快快'],
  },
  background: {
    sky: ['天空', '蓝天', '空中', '云中', '云端', '天上', '白云间', '云朵间', '蓝天白云', '高空', '天空中'],
    sunset: ['日落', '夕阳', '黄昏', '傍晚', '晚霞', '落日', '夕阳下'],
    night: ['夜晚', '晚上', '夜里', '夜空', '星空', '夜间', '深夜', '夜色', '月光下', '黑夜', '夜'],
    grass: ['草地', '草坪', '草原', '绿地', '草丛', '草地上', '草'],
    beach: ['海滩', '沙滩', '海边', '海岸', '海滨', '岸边'],
    snow: ['雪地', '雪中', '冰雪', '雪原', '下雪', '冰天雪地', '雪', '冰面', '冰上', '雪山'],
    desert: ['沙漠', '荒漠', '沙丘', '戈壁'],
    underwater: ['水下', '海底', '水中', '海里', '深海', '海洋', '水里', '大海', '海中', '海洋深处'],
    forest: ['森林', '树林', '林中', '丛林', '林间', '密林', '松林'],
    city: ['城市', '街道', '街头', '市中心', '都市', '城里', '马路', '街上'],
  },
  effect: {
    squish: ['压扁', '挤压', '捏扁', '被压扁', '压平', '挤扁', '压'],
    inflate: ['膨胀', '充气', '鼓起来', '鼓起', '胀起来', '像气球一样膨胀', '吹胀'],
    melt: ['融化', '熔化', '化掉', '溶化', '化成一滩', '消融'],
    explode: ['爆炸', '炸开', '爆开', '炸裂', '炸成碎片', '爆裂', '炸'],
    dizzy: ['头晕', '晕头转向', '转晕', '眩晕', '晕乎乎', '头昏眼花', '晕'],
    bloom: ['开花', '花开', '绽放', '鲜花盛开', '花朵环绕', '鲜花环绕', '百花齐放', '开满鲜花'],
    fluffy: ['毛茸茸', '变得毛茸茸', '蓬松', '变毛绒', '毛绒绒', '长毛'],
  },
  camera: {
    pan_left: withCamera(['向左平移', '左移', '向左摇', '往左移', '往左摇', '向左', '左摇', '向左移动', '往左'], ['向左摇镜', '左摇镜头']),
    pan_right: withCamera(['向右平移', '右移', '向右摇', '往右移', '往右摇', '向右', '右摇', '向右移动', '往右'], ['向右摇镜', '右摇镜头']),
    tilt_up: withCamera(['上摇', '向上摇', '向上', '往上摇', '上仰', '向上移动', '往上'], ['仰拍', '向上摇镜', '上摇镜头']),
    tilt_down: withCamera(['下摇', '向下摇', '向下', '往下摇', '下俯', '向下移动', '往下'], ['俯拍', '向下摇镜', '下摇镜头']),
    zoom_in: withCamera(['拉近', '推进', '推近', '放大', '推'], ['推镜头', '拉近镜头']),
    zoom_out: withCamera(['拉远', '后退', '缩小', '拉开', '拉'], ['拉镜头', '拉远镜头']),
  },
};

/** Chinese words that contain a concept's characters but mean something else; read as one word, never as the concept. */
export const CHINESE_OTHER_WORDS = [
  '猫头鹰', '跳舞', '开心', '小心', '心情', '地球', '星球', '明星', '火车', '自行车', '摩托车', '马车', '风车', '球场', '鬼脸',
  '转身', '转向', '追求', '跟前', '压力', '快乐', '鲸鱼', '鲨鱼', '鱼缸', '树叶', '花园', '飞机', '天气', '上面', '下面',
];

/** Chinese characters that join phrases and carry no concept; skipped when no phrase starting there matches. */
export const CHINESE_FILLER_CHARS = new Set([...'的了着地得在正是呢吧啊呀和与及并一个里上中下边旁被把从到也都还又再']);
/** Chinese words of aspect and manner that carry no concept ("不停地旋转" is spinning). */
export const CHINESE_FILLER_WORDS = ['不停地', '不停', '一直', '正在', '开始', '继续', '一边', '然后', '同时', '后面', '身后', '前面', '周围', '之中', '当中', '之间', '起来', '下来', '下去', '过来', '过去', '出来'];
/** English words that carry no concept: dropped from prompts and phrasings alike before matching. Describing words
 * (colours, "cute", "little") are not among them: the model cannot draw them, so they are reported as unused. */
export const ENGLISH_FILLER = new Set([
  'a', 'an', 'the', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'am', 'it', 'its', 'this', 'that', 'these', 'those',
  'there', 'here', 'some', 'very', 'really', 'so', 'just', 'quite', 'too', 'also', 'of', 'to', 'and', 'then', 'while', 'as',
  'with', 'in', 'on', 'at', 'into', 'onto', 'across', 'over', 'above', 'through', 'inside', 'within', 'among', 'amid', 'amidst',
  'keep', 'keeps', 'kept', 'keeping', 'continue', 'continues', 'continuing', 'video', 'clip', 'scene', 'shot', 'footage',
  'animation', 'show', 'shows', 'showing', 'shown', 'we', 'see', 'you', 'can', 'please', 'make', 'create', 'generate', 'her',
  'his', 'their', 'our', 'my', 'your', 'when', 'where', 'who', 'which', 'all', 'way', 'along', 'about', 'now', 'again',
  'itself', 'themselves', 'each', 'other', 'do', 'does', 'did', 'has', 'have', 'having', 'will', 'would', 'of', 'for',
  'time', 'during',
]);
