/** The images the client flows send. */
export const IMAGES = {
  image: 'https://images.example.com/fox.png',
  mask: 'https://images.example.com/mask.png',
  gateway: {},
};
